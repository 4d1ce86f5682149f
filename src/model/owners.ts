/**
 * Who a frame belongs to (--by process, --by user, --by cgroup): the local
 * socket that sent it or that it is delivered to, as the kernel's socket
 * hooks saw it (docs/attribution.md). Every frame of a split protocol lands
 * in exactly one part: an owner, or one of the words below.
 */

/** A socket of the kernel's own sent it (an ICMP echo reply, a TCP reset without a socket). */
export const KERNEL = 'kernel';
/** No local socket: ARP, forwarded frames, frames to a port nothing listens on. */
export const NO_SOCKET = 'none';
/** The kernel's breakdown table was full: counted, but no longer per owner. */
export const FULL = 'other';
/**
 * A later IP fragment: it carries no ports, so the socket it belongs to
 * cannot be told in the kernel (the first fragment is attributed). Named
 * apart rather than guessed or counted as none.
 */
export const FRAGMENT = 'fragment';

export type OwnerWord = typeof KERNEL | typeof NO_SOCKET | typeof FULL | typeof FRAGMENT;

/** The process that created the socket (its thread-group id), as the kernel saw it then. */
export interface ProcessOwner {
  readonly pid: number;
  /** The command name (comm, at most 15 bytes) the kernel recorded. */
  readonly command: string;
  readonly uid: number;
  /** The user name, where /etc/passwd has one. */
  readonly user?: string;
  /** The process was gone at the sample: its counts stay, marked. */
  readonly exited?: boolean;
}

export interface UserOwner {
  readonly uid: number;
  readonly user?: string;
}

export interface CgroupOwner {
  /** The kernel's id for it (the directory's inode number under the cgroup2 mount). */
  readonly id: bigint;
  /** The cgroup v2 path relative to the cgroup2 root ("/" for the root itself), where it is still there to find. */
  readonly path?: string;
  /** Where the path names a container: its id (runtime-agnostic, the 64 hex digits). */
  readonly container?: string;
  /** Where the path names a Kubernetes pod: its UID (dashes, as the API writes it). */
  readonly podUid?: string;
}

export type ProcessValue = ProcessOwner | OwnerWord;
export type UserValue = UserOwner | OwnerWord;
export type CgroupValue = CgroupOwner | OwnerWord;

/** The ways of splitting by owner (--by process, --by user, --by cgroup); one at a time. */
export type OwnerKind = 'process' | 'user' | 'cgroup';
export const OWNER_KINDS: readonly OwnerKind[] = ['process', 'user', 'cgroup'];

export function isOwnerKind(kind: string): kind is OwnerKind {
  return (OWNER_KINDS as readonly string[]).includes(kind);
}

/** A breakdown key's owner, present for the kind it is split by. */
export interface OwnerFields {
  readonly process?: ProcessValue;
  readonly user?: UserValue;
  readonly cgroup?: CgroupValue;
}
