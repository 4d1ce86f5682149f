/**
 * The breakdown filters' layout (bpf/breakdown-count.h, struct sockex_by_key
 * in bpf/sockex.h; a unit test checks the numbers agree) and the decoding of
 * their keys.
 */
import { addressText } from '../../model/addresses.js';
import { NONE, PORT_PROTOCOLS, type BreakdownBy, type BreakdownKey } from '../../model/breakdown.js';
import { LAYOUT } from './layout.js';
import { FRAGMENT, KERNEL, NO_SOCKET, isOwnerKind, type CgroupValue, type OwnerFields, type OwnerKind, type ProcessValue, type UserValue } from '../../model/owners.js';

export const BY_PROGRAM_NAME = 'sockex_count_by';
/** The every-interface breakdown filter (bpf/sockex-any-by.bpf.c, -i any --by). */
export const ANY_BY_PROGRAM_NAME = 'sockex_count_any_by';
export const BY_MAP = 'by_counters';

/** How many keys the kernel's breakdown table holds unless --max-entries says otherwise (SOCKEX_BY_DEFAULT_MAX). */
export const DEFAULT_MAX_ENTRIES = 4096;
/** The largest --max-entries: 1 Mi keys, about 110 MiB on 2 CPUs, 200 MiB on 8 (the kernel preallocates the table). */
export const MAX_MAX_ENTRIES = 1 << 20;

export const BY_LAYOUT = {
  SOCKEX_BY_DEFAULT_MAX: DEFAULT_MAX_ENTRIES,
  SOCKEX_BY_PORT_KNOWN: 1,
  SOCKEX_BY_HOST_KNOWN: 2,
  SOCKEX_BY_OWNER_SOCKET: 4,
  SOCKEX_BY_OWNER_KERNEL: 8,
  SOCKEX_BY_OWNER_FRAGMENT: 16,
} as const;

/**
 * struct sockex_by_key: u8 host[16], u16 port, u8 protocol, u8 direction, u8 family, u8 flags, u16 pad, u32 ifindex, u32 pad2,
 * then, in the who builds only, struct sockex_by_owner: u64 cgroup_id, u32 tgid, u32 uid, char comm[16].
 */
export const BY_KEY_SIZE = 32;
/** The who builds' key (--by process, user, cgroup): the owner after the rest. */
export const BY_OWNER_KEY_SIZE = 64;
/** Where struct sockex_by_key holds the ifindex (-i any; 0 on a named interface). */
const BY_KEY_IFINDEX = 24;
/** Where struct sockex_by_key holds its owner (the who builds). */
export const BY_KEY_OWNER = 32;

/**
 * The build of bpf/sockex-by.bpf.c, or with every interface of bpf/sockex-any-by.bpf.c, for what is asked:
 * sockex-[any-]by-[owner-][host-][port].bpf.o (see bpf/Makefile).
 */
export function byObjectName(by: readonly BreakdownBy[], everyInterface = false): string {
  const parts = [by.find(isOwnerKind), by.includes('host') ? 'host' : undefined, by.includes('port') ? 'port' : undefined];
  return `sockex-${everyInterface ? 'any-' : ''}by-${parts.filter((part) => part !== undefined).join('-')}.bpf.o`;
}

/** The owner of a by_counters key, as the kind it is split by. */
function decodeOwner(key: Buffer, offset: number, flags: number, kind: OwnerKind): OwnerFields {
  const at = offset + BY_KEY_OWNER;
  let value: ProcessValue | UserValue | CgroupValue = NO_SOCKET;
  if (flags & BY_LAYOUT.SOCKEX_BY_OWNER_KERNEL) value = KERNEL;
  else if (flags & BY_LAYOUT.SOCKEX_BY_OWNER_FRAGMENT) value = FRAGMENT;
  else if (flags & BY_LAYOUT.SOCKEX_BY_OWNER_SOCKET) {
    const uid = key.readUInt32LE(at + 12);
    if (kind === 'process') return { process: { pid: key.readUInt32LE(at + 8), command: commText(key.subarray(at + 16, at + 32)), uid } };
    if (kind === 'user') return { user: { uid } };
    return { cgroup: { id: key.readBigUInt64LE(at) } };
  }
  return { [kind]: value };
}

/** comm: up to 15 bytes and a NUL. */
function commText(comm: Buffer): string {
  const end = comm.indexOf(0);
  return comm.toString('utf8', 0, end < 0 ? comm.length : end);
}

export type KeyWithoutInterface = Omit<BreakdownKey, 'interface' | 'ifindex' | 'generation'>;

/** The size of by_counters' key in the build for this split. */
export function byKeySize(by: readonly BreakdownBy[]): number {
  return by.some(isOwnerKind) ? BY_OWNER_KEY_SIZE : BY_KEY_SIZE;
}

/** The interface of a by_counters key (-i any; 0 on a named interface). */
export function byKeyIfindex(key: Buffer, offset: number): number {
  return key.readUInt32LE(offset + BY_KEY_IFINDEX);
}

/** What a by_counters key counts. */
export function decodeByKey(key: Buffer, offset: number, by: readonly BreakdownBy[]): KeyWithoutInterface {
  const protocol = key.readUInt8(offset + 18);
  const direction = key.readUInt8(offset + 19) === LAYOUT.SOCKEX_DIR_TX ? 'tx' : 'rx';
  const family = key.readUInt8(offset + 20) === LAYOUT.SOCKEX_FAMILY_IPV6 ? 'ipv6' : 'ipv4';
  const flags = key.readUInt8(offset + 21);
  const out: { -readonly [K in keyof KeyWithoutInterface]: KeyWithoutInterface[K] } = { direction, family, protocol };
  if (by.includes('port') && PORT_PROTOCOLS.has(protocol)) {
    out.port = flags & BY_LAYOUT.SOCKEX_BY_PORT_KNOWN ? key.readUInt16LE(offset + 16) : NONE;
  }
  if (by.includes('host')) {
    out.host = flags & BY_LAYOUT.SOCKEX_BY_HOST_KNOWN ? addressText(key.subarray(offset, offset + (family === 'ipv6' ? 16 : 4))) : NONE;
  }
  const owner = by.find(isOwnerKind);
  return owner ? { ...out, ...decodeOwner(key, offset, flags, owner) } : out;
}
