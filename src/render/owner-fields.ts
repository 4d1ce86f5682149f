/**
 * The details user space adds to a breakdown counter's owners (model/
 * owner-details.ts), as JSON fields and as Prometheus labels, and the
 * kernel's own fields (pid, command, uid, cgroup id, the owner words) as
 * JSON fields: every owner field of an output in one place.
 */
import type { BreakdownKey } from '../model/breakdown.js';
import type { CgroupOwner, OwnerWord } from '../model/owners.js';

/** A word (kernel, none, other) in place of an owner. */
const isWord = (value: object | OwnerWord): value is OwnerWord => typeof value === 'string';

/** The cgroup owner, when the counter has one (not a word). */
function cgroupOf(k: BreakdownKey): CgroupOwner | undefined {
  return typeof k.cgroup === 'object' ? k.cgroup : undefined;
}

/** The user name of the counter's process or user, where /etc/passwd has one. */
function userNameOf(k: BreakdownKey): string | undefined {
  return (typeof k.process === 'object' ? k.process.user : undefined) ?? (typeof k.user === 'object' ? k.user.user : undefined);
}

/**
 * The owner as the kernel recorded it: `,"pid":...,"command":...,"uid":...`
 * (process), `,"uid":...` (user), `,"cgroup_id":...` (cgroup), or
 * `,"owner":"kernel"` (or another word).
 */
export function ownerKeyFields({ process: p, user: u, cgroup: g }: BreakdownKey): string {
  const owner = p ?? u ?? g;
  if (owner === undefined) return '';
  if (isWord(owner)) return `,"owner":"${owner}"`;
  if (p !== undefined && !isWord(p)) return `,"pid":${p.pid},"command":${JSON.stringify(p.command)},"uid":${p.uid}`;
  if (u !== undefined && !isWord(u)) return `,"uid":${u.uid}`;
  if (g !== undefined && !isWord(g)) return `,"cgroup_id":${g.id}`;
  return '';
}

/**
 * `,"user":...,"cgroup":...,"container":...,"pod_uid":...,"exited":true`,
 * each only where known: the user name, the cgroup's path, the container
 * and pod it names, and whether the process was gone at the sample.
 */
export function ownerDetailFields(k: BreakdownKey): string {
  const cgroup = cgroupOf(k);
  const fields: [string, string | true | undefined][] = [
    ['user', userNameOf(k)],
    ['cgroup', cgroup?.path],
    ['container', cgroup?.container],
    ['pod_uid', cgroup?.podUid],
    ['exited', typeof k.process === 'object' && k.process.exited === true ? true : undefined],
  ];
  return fields.map(([name, value]) => (value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`)).join('');
}

/**
 * The owner labels of a series: `command` and `user` (--by process), `user`
 * (--by user), `cgroup`, `container`, `pod_uid` (--by cgroup). Never the
 * pid: a new one with every process, a new series each time. A user without
 * a name is its uid; a cgroup whose path was gone before it was looked up is
 * its id (digits, where a path starts with /). A word (kernel, none, other)
 * is the value of the split's first label.
 */
export function ownerLabels(k: BreakdownKey): [string, string][] {
  const out: [string, string][] = [];
  const { process: p, user: u, cgroup: c } = k;
  if (p !== undefined) {
    if (isWord(p)) out.push(['command', p]);
    else out.push(['command', p.command], ['user', p.user ?? String(p.uid)]);
  }
  if (u !== undefined && !out.some(([name]) => name === 'user')) out.push(['user', isWord(u) ? u : (u.user ?? String(u.uid))]);
  if (c !== undefined) {
    if (isWord(c)) out.push(['cgroup', c]);
    else {
      out.push(['cgroup', c.path ?? String(c.id)]);
      if (c.container !== undefined) out.push(['container', c.container]);
      if (c.podUid !== undefined) out.push(['pod_uid', c.podUid]);
    }
  }
  return out;
}
