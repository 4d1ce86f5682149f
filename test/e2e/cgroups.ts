/**
 * cgroups a test makes under the cgroup v2 root (found in /proc/self/mounts,
 * never assumed), for processes it starts in them; each is removed when the
 * test ends. A process joins one by writing its pid to cgroup.procs before
 * it execs what it runs, so every socket it creates is created there.
 */
import { mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findCgroup2Root } from '../../src/kernel/cgroups/index.js';
import { run } from './harness.js';

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
    const cgroup = new TestCgroup(cgroup2Root(), `sockex-${label}-${process.pid}-${++cgroupCounter}`);
    t.after(() => cgroup.remove());
    return cgroup;
  }

  /**
   * A cgroup at a path of several levels (e.g. a Kubernetes pod's container
   * scope), its missing parents made too; each made is removed when the test
   * ends, innermost first (a parent another test still uses stays).
   */
  static createPath(t: TestContext, path: string): TestCgroup {
    const root = cgroup2Root();
    const segments = path.split('/').filter((s) => s !== '');
    const made: string[] = [];
    for (const [i] of segments.slice(0, -1).entries()) {
      const dir = `${root}/${segments.slice(0, i + 1).join('/')}`;
      try {
        mkdirSync(dir);
        made.push(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const cgroup = new TestCgroup(root, segments.join('/'));
    t.after(() => {
      cgroup.remove();
      for (const dir of made.reverse()) removeUnlessBusy(dir);
    });
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

function cgroup2Root(): string {
  const root = findCgroup2Root();
  if (root === undefined) throw new Error('no cgroup2 mount: the attribution tests need one');
  return root;
}

function removeUnlessBusy(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    if (!['ENOENT', 'EBUSY', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
}

/**
 * The host's cgroup2 root bind-mounted at a new directory, as a container
 * sees the node's through a hostPath volume; unmounted when the test ends.
 * Outside /sys, so `ip netns exec` (which remounts /sys) keeps it.
 */
export function bindCgroup2Root(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-cgroup2-'));
  run('mount', ['--bind', cgroup2Root(), dir]);
  t.after(() => {
    run('umount', ['--lazy', dir]);
    rmdirSync(dir);
  });
  return dir;
}
