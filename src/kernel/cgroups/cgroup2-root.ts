/**
 * Where the cgroup v2 hierarchy is mounted. Never assumed: /sys/fs/cgroup on
 * unified hosts, /sys/fs/cgroup/unified on hybrid ones, anything in a
 * container. /proc/self/mounts lists what this process's mount namespace sees.
 */
import { existsSync, readFileSync, statfsSync } from 'node:fs';

/** Octal escapes the kernel writes in mount points (space, tab, newline, backslash). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The first cgroup2 mount point in a mounts table (the text of /proc/self/mounts), or undefined. */
export function cgroup2RootIn(mounts: string): string | undefined {
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (type === 'cgroup2' && mountPoint) return unescapeMountField(mountPoint);
  }
  return undefined;
}

/** This process's cgroup2 mount point, or undefined when there is none. */
export function findCgroup2Root(readMounts: () => string = () => readFileSync('/proc/self/mounts', 'latin1')): string | undefined {
  return cgroup2RootIn(readMounts());
}

/** statfs(2)'s f_type of a cgroup v2 filesystem (linux/magic.h). */
const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * Why a directory named as the cgroup2 root (--cgroup2) cannot be one, or
 * undefined when it can. A cgroup below the root (a container's namespaced
 * view, a cgroup made there) has cgroup.type, the root has not: attached
 * below the root the hooks would see only that subtree.
 */
export function cgroup2RootProblem(path: string): string | undefined {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (type !== CGROUP2_SUPER_MAGIC) return 'is not a cgroup v2 mount';
  if (existsSync(`${path}/cgroup.type`)) return 'is a cgroup below the cgroup v2 root (a namespaced view, as a container has)';
  return undefined;
}
