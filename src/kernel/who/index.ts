/** The who room: the socket hooks of --by process/user/cgroup, their seed and sweep, and what the tap needs of them. */
export { attachWhoHooks } from './hooks.js';
export { SEED_OBJECT, WHO_OBJECT } from './layout.js';
export { openOwnerTap, type OwnerTap } from './owner-tap.js';
