/**
 * What user space adds to --by process/user/cgroup costs per sample: a walk
 * of the real cgroup2 tree (with `--cgroups N` more cgroups this bench makes
 * under its root and removes), and OwnerDetails.fill on a full kernel table
 * (4,096 readings) of `--processes N` processes, each looked up in the real
 * /proc. As root (it makes cgroups):
 *
 *   node dist/bench/owner-details.js [--cgroups N] [--processes N] [--rounds N]
 *
 * Prints a Markdown table of medians.
 */
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupPaths, findCgroup2Root } from '../src/kernel/cgroups/index.js';
import type { BreakdownReading } from '../src/model/breakdown.js';
import { OwnerDetails } from '../src/model/owner-details.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const CGROUPS = option('--cgroups', 500);
const PROCESSES = option('--processes', 500);
const ROUNDS = option('--rounds', 15);
const TABLE = 4096;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const root = findCgroup2Root();
if (!root) throw new Error('no cgroup2 mount');
const top = join(root, `sockex-bench-${process.pid}`);
const made = [top, ...Array.from({ length: CGROUPS }, (_, i) => join(top, `c${i}.scope`))];
for (const dir of made) mkdirSync(dir);
try {
  const count = (dir: string): number => 1 + readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).reduce((n, e) => n + count(join(dir, e.name)), 0);
  const cgroups = count(root);
  // A new id every round: the worst case, a walk at every sample.
  const walk = timed(() => new CgroupPaths(root).paths(new Set([1n])));
  // One reading per (process, direction, protocol) as a full table would have them: some pids live, most gone.
  const readings: BreakdownReading[] = Array.from({ length: TABLE }, (_, i) => ({
    interface: 'eth0',
    ifindex: 2,
    direction: i % 2 === 0 ? 'tx' : 'rx',
    family: 'ipv4',
    protocol: 6,
    port: i,
    process: { pid: i % PROCESSES === 0 ? process.pid : 4_000_000 + (i % PROCESSES), command: 'node', uid: 0 },
    bytes: 1n,
    packets: 1n,
  }));
  const fresh = timed(() => new OwnerDetails().fill(readings));
  const details = new OwnerDetails();
  details.fill(readings);
  const steady = timed(() => details.fill(readings));
  console.log(`| what (median of ${ROUNDS}) | ms |`);
  console.log('|---|---:|');
  console.log(`| one walk of the cgroup2 tree (${cgroups} cgroups, ${made.length} of them made by the bench) | ${walk.toFixed(2)} |`);
  console.log(`| fill(): ${TABLE} readings of ${PROCESSES} processes, first sample (/proc and /etc/passwd read) | ${fresh.toFixed(2)} |`);
  console.log(`| fill(): the same, later samples (exited processes remembered) | ${steady.toFixed(2)} |`);
} finally {
  for (const dir of [...made].reverse()) rmdirSync(dir);
}
