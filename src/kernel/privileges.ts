/**
 * Dropping root once the filter is attached. Loading the program and opening
 * the raw socket need CAP_BPF and CAP_NET_RAW; reading the maps through the
 * file descriptors already open needs nothing (Linux 6.5+ checks privilege
 * only when programs and maps are created). So sockex becomes the sudo user,
 * or nobody, and a bug in the rest of the run cannot use root.
 */
import { readFileSync } from 'node:fs';
import { errnoName } from '../errors.js';
import type { Native } from './libbpf/index.js';

/** "Leave this id unchanged" for setresuid/setresgid: (uid_t)-1. */
const UNCHANGED = 0xffffffff;
const NOBODY = { uid: 65534, gid: 65534 };

export interface Identity {
  uid: number;
  gid: number;
  /** Where the identity came from, for messages: "sudo user" or "nobody". */
  source: 'sudo user' | 'nobody';
}

export type DropOutcome =
  | { kind: 'dropped'; to: Identity }
  /** Not root to begin with (e.g. a user with CAP_BPF and CAP_NET_RAW): nothing to drop. */
  | { kind: 'not-root' }
  /** Still root, and why: the caller tells the user. */
  | { kind: 'kept'; reason: string };

/** Who to become: the user sudo ran us for, else nobody. */
export function targetIdentity(env: NodeJS.ProcessEnv = process.env, passwd = readPasswd()): Identity {
  const uid = wholeId(env.SUDO_UID);
  const gid = wholeId(env.SUDO_GID);
  if (uid !== undefined && gid !== undefined && uid !== 0) return { uid, gid, source: 'sudo user' };
  return { ...(nobodyFromPasswd(passwd) ?? NOBODY), source: 'nobody' };
}

function wholeId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value < UNCHANGED ? value : undefined;
}

export function nobodyFromPasswd(passwd: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name !== 'nobody') continue;
    const u = wholeId(uid);
    const g = wholeId(gid);
    if (u !== undefined && g !== undefined) return { uid: u, gid: g };
  }
  return undefined;
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Become `to` for good (groups, gid, then uid), after checking that the maps
 * can still be read that way: `probe` reads them once and throws if it
 * cannot. The probe runs with only the effective uid changed, so a refusal
 * can still be undone and root kept.
 */
export function dropPrivileges(native: Native, probe: () => void, to: Identity = targetIdentity()): DropOutcome {
  const { libc } = native;
  if (process.geteuid?.() !== 0) return { kind: 'not-root' };

  if (libc.setresuid(UNCHANGED, to.uid, UNCHANGED) < 0) {
    return { kind: 'kept', reason: `cannot change user (setresuid: ${errnoName(native.errno())}; is CAP_SETUID missing?)` };
  }
  let refusal: string | undefined;
  try {
    probe();
  } catch (err) {
    refusal = err instanceof Error ? err.message : String(err);
  }
  // Back to root (the saved uid is still 0) to finish the drop or to stay.
  if (libc.setresuid(UNCHANGED, 0, UNCHANGED) < 0) {
    return { kind: 'kept', reason: `setresuid back to root failed (${errnoName(native.errno())})` };
  }
  if (refusal !== undefined) {
    return { kind: 'kept', reason: `this kernel refuses map reads without privilege (${refusal})` };
  }

  // Groups and gid first: once the uid is not 0 they can no longer change.
  if (libc.setgroups(0, null) < 0) {
    return { kind: 'kept', reason: `cannot clear supplementary groups (setgroups: ${errnoName(native.errno())})` };
  }
  if (libc.setresgid(to.gid, to.gid, to.gid) < 0) {
    return { kind: 'kept', reason: `cannot change group (setresgid: ${errnoName(native.errno())})` };
  }
  // All three uids non-zero: the kernel clears every capability, for good.
  if (libc.setresuid(to.uid, to.uid, to.uid) < 0) {
    return { kind: 'kept', reason: `cannot change user (setresuid: ${errnoName(native.errno())})` };
  }
  return { kind: 'dropped', to };
}
