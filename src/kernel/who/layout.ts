/**
 * The owner tables' layout (bpf/owner.h; a unit test checks these numbers
 * against the compiled objects' BTF) and the decoding of an owner.
 */

export const WHO_OBJECT = 'who.bpf.o';
export const SEED_OBJECT = 'who-seed.bpf.o';

/** who.bpf.o's programs, each attached at the cgroup2 root. */
export const WHO_PROGRAMS = ['sockex_who_create', 'sockex_who_bind4', 'sockex_who_bind6', 'sockex_who_release', 'sockex_who_egress'] as const;
/** who-seed.bpf.o's iterators, run in this order: the files first, then the sockets they name. */
export const SEED_PROGRAMS = ['sockex_seed_files', 'sockex_seed_tcp', 'sockex_seed_udp'] as const;

/** The maps the seed and the tap take over from who.bpf.o. */
export const OWNERS_MAP = 'owners';
export const FLOWS_MAP = 'flows';
export const BOUND_MAP = 'bound';
export const OWNERS_LOST_MAP = 'owners_lost';
export const SHARED_MAPS = [OWNERS_MAP, FLOWS_MAP, BOUND_MAP] as const;

export const OWNER_LAYOUT = {
  SOCKEX_OWNER_SOCKET: 1,
  SOCKEX_OWNER_KERNEL: 2,
  SOCKEX_OWNER_FRAGMENT: 4,
  SOCKEX_FLOWS_MAX: 65536,
  SOCKEX_BOUND_MAX: 16384,
  SOCKEX_LOST_FLOWS: 0,
  SOCKEX_LOST_BOUND: 1,
  SOCKEX_LOST_SLOTS: 2,
} as const;

/** struct sockex_owner: u64 cgroup_id, u32 tgid, u32 uid, char comm[16], u32 flags, u32 pad. */
export const OWNER_SIZE = 40;
/** struct sockex_flow_key: u64 netns, u8 local[16], u8 remote[16], u16 local_port, u16 remote_port, u8 family, u8 protocol, u16 pad. */
export const FLOW_KEY_SIZE = 48;
/** struct sockex_flow: the owner, then u64 last_used_ns. */
export const FLOW_SIZE = 48;
export const FLOW_LAST_USED = 40;
