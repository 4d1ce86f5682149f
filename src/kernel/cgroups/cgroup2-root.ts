/**
 * Where the cgroup v2 hierarchy is mounted. Never assumed: /sys/fs/cgroup on
 * unified hosts, /sys/fs/cgroup/unified on hybrid ones, anything in a
 * container. /proc/self/mounts lists what this process's mount namespace sees.
 */
import { readFileSync } from 'node:fs';

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
