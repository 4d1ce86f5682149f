/** The who room: the socket hooks of --by process/user/cgroup, their seed and sweep, what the tap needs of them, and the owner layout. */
export { attachWhoHooks, WHO_PRIVILEGE_HINT, type WhoHooks, type WhoObjects, type WhoOptions } from './hooks.js';
export { decodeOwner, commText, SEED_OBJECT, WHO_OBJECT, type KernelOwner } from './layout.js';
export { openOwnerTap, TAP_SECTION, type OwnerTap } from './owner-tap.js';
