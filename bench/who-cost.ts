/**
 * Section 7: what --by process/user/cgroup add per frame, each hook alone
 * (the kernel's own accounting, bpf_stats), beside the floor: the egress
 * socket hook (cgroup_skb at the cgroup2 root, on every frame a socket
 * sends) and the tap's who build (the breakdown filter looking each frame's
 * owner up), under the same UDP flood on lo. Rounds alternate, medians.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Child, NetNs, PROBE, attachInNs, flood, probeAttached, programStats, type Attached, type FilterSpec } from './env.js';
import { fixed, median, table, type Goal } from './stats.js';

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

export interface WhoCostOptions {
  rounds: number;
  seconds: number;
  cpu: number;
  /** The tap's who builds to measure, by label. */
  taps: Readonly<Record<string, FilterSpec>>;
}

/**
 * The socket hooks, attached by probe.js at the cgroup2 root, where they see
 * every namespace: from outside the flood's (ip netns exec remounts /sys,
 * and the cgroup2 mount under it with it).
 */
function attachHooks(): Promise<Attached> {
  return probeAttached(new Child(spawn(process.execPath, [PROBE, 'who'], { stdio: ['pipe', 'pipe', 'pipe'] })), 'attaching the socket hooks');
}

export async function whoCost(options: WhoCostOptions): Promise<{ text: string; goals: Goal[] }> {
  const ns = new NetNs('who');
  const names = ['floor', 'egress', ...Object.keys(options.taps)];
  const runs = new Map<string, number[]>(names.map((name) => [name, []]));
  const statsBefore = readFileSync(STATS_SYSCTL, 'utf8').trim();
  try {
    await flood(ns, { seconds: 0.5, cpu: options.cpu });
    writeFileSync(STATS_SYSCTL, '1');
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        const attached = name === 'egress' ? await attachHooks() : name === 'floor' ? await attachInNs(ns, 'floor') : await attachInNs(ns, options.taps[name]!, 'lo', true);
        try {
          const before = programStats(attached.progId);
          await flood(ns, { seconds: options.seconds, cpu: options.cpu });
          const after = programStats(attached.progId);
          runs.get(name)!.push((after.runTimeNs - before.runTimeNs) / (after.runCount - before.runCount));
        } finally {
          await attached.detach();
        }
      }
    }
  } finally {
    writeFileSync(STATS_SYSCTL, statsBefore);
    ns.delete();
  }
  const floor = median(runs.get('floor')!);
  const label = (name: string): string =>
    name === 'floor' ? 'floor (return 0, packet socket)' : name === 'egress' ? 'sockex_who_egress (cgroup_skb, every frame a socket sends)' : name;
  const text = [
    '### 7. --by process/user/cgroup: each hook alone (ns per run, bpf_stats on)',
    '',
    table(
      ['hook', 'ns/run median', 'range', 'minus floor'],
      names.map((name) => {
        const values = runs.get(name)!;
        const ns = median(values);
        return [label(name), fixed(ns, 1), `${fixed(Math.min(...values), 1)}-${fixed(Math.max(...values), 1)}`, name === 'floor' ? '-' : fixed(ns - floor, 1)];
      }),
    ),
    '',
    'The egress hook runs once per datagram (sent only); the tap twice on lo (sent and received). The',
    "hook sees every socket on the machine, so its runs include other processes' frames too.",
  ].join('\n');
  return { text, goals: [] };
}
