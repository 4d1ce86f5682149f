/** The who room: the socket hooks of --by process/user/cgroup, their seed and sweep, and the owner layout. */
export { attachWhoHooks, WHO_PRIVILEGE_HINT, type WhoHooks, type WhoOptions } from './hooks.js';
export { decodeOwner, commText, type KernelOwner } from './layout.js';
