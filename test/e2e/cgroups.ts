/**
 * cgroups a test makes under the cgroup v2 root (found in /proc/self/mounts,
 * never assumed), for processes it starts in them; each is removed when the
 * test ends. A process joins one by writing its pid to cgroup.procs before
 * it execs what it runs, so every socket it creates is created there.
 */
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { findCgroup2Root } from '../../src/kernel/cgroups/index.js';

let cgroupCounter = 0;

export class TestCgroup {
  /** Absolute, under the mount. */
  readonly dir: string;
  /** Relative to the cgroup2 root, as sockex names it ("/sockex-...") */
  readonly path: string;
  /** The kernel's id for it: the directory's inode number. */
  readonly id: bigint;

  private constructor(root: string, name: string) {
    this.dir = `${root}/${name}`;
    this.path = `/${name}`;
    mkdirSync(this.dir);
    this.id = statSync(this.dir, { bigint: true }).ino;
  }

  static create(t: TestContext, label: string): TestCgroup {
    const root = findCgroup2Root();
    if (root === undefined) throw new Error('no cgroup2 mount: the attribution tests need one');
    const cgroup = new TestCgroup(root, `sockex-${label}-${process.pid}-${++cgroupCounter}`);
    t.after(() => cgroup.remove());
    return cgroup;
  }

  /** argv as one that first moves itself into this cgroup (the shell writes its pid, then execs argv in its place). */
  wrap(argv: string[]): string[] {
    return ['sh', '-c', `echo $$ > '${this.dir}/cgroup.procs' && exec "$@"`, 'sh', ...argv];
  }

  /** rmdir: a cgroup goes once its last process has (callers wait for theirs). */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
