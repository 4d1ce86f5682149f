/**
 * Sections 1 and 2: what a filter costs per packet (the kernel's own
 * accounting) and what it costs the flood (packets per second), for
 * sockex's filter, the return-0 floor and the kernel sample's design.
 * Configurations alternate within each round, so drift and other load on the
 * machine spread over all of them alike; medians are reported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { NetNs, PAYLOAD, attachInNs, flood, programStats, type FilterName } from './env.js';
import { count, fixed, median, percent, table, type Goal } from './stats.js';

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';
const LABELS: Record<FilterName | 'none', string> = {
  none: 'nothing attached',
  floor: 'floor (return 0)',
  sample: "kernel sample's design",
  sockex: 'sockex_count',
  byPort: 'sockex_count_by, --by port',
  byHost: 'sockex_count_by, --by host',
  byHostPort: 'sockex_count_by, --by port,host',
};

export interface FilterCostOptions {
  rounds: number;
  seconds: number;
  /** The CPU the flood is pinned to. */
  cpu: number;
}

/** The configurations whose flood throughput is measured. */
type Throughput = 'none' | 'floor' | 'sample' | 'sockex';

export interface FilterCostResult {
  nsPerRun: Record<FilterName, number>;
  pps: Record<Throughput, number>;
  text: string;
  goals: Goal[];
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function filterCost(options: FilterCostOptions): Promise<FilterCostResult> {
  const ns = new NetNs('cost');
  // ns/run for every filter, the breakdown filters included; throughput for the protocol filter and its yardsticks.
  const filters: FilterName[] = ['floor', 'sample', 'sockex', 'byPort', 'byHost', 'byHostPort'];
  const perFilter = (): Record<FilterName, number[]> => ({ floor: [], sample: [], sockex: [], byPort: [], byHost: [], byHostPort: [] });
  const runs = perFilter();
  const ppsWithStats = perFilter();
  const pps: Record<Throughput, number[]> = { none: [], floor: [], sample: [], sockex: [] };
  const statsBefore = readFileSync(STATS_SYSCTL, 'utf8').trim();
  try {
    // Warm up the path (ARP-free on lo, but caches and the JIT'd code).
    await flood(ns, { seconds: 0.5, cpu: options.cpu });

    // 1. ns per run, with the kernel's per-program accounting switched on.
    writeFileSync(STATS_SYSCTL, '1');
    for (let round = 0; round < options.rounds; round++) {
      for (const name of rotate(filters, round)) {
        const attached = await attachInNs(ns, name);
        try {
          const before = programStats(attached.progId);
          const result = await flood(ns, { seconds: options.seconds, cpu: options.cpu });
          const after = programStats(attached.progId);
          runs[name].push((after.runTimeNs - before.runTimeNs) / (after.runCount - before.runCount));
          ppsWithStats[name].push(result.pps);
        } finally {
          await attached.detach();
        }
      }
    }
    writeFileSync(STATS_SYSCTL, statsBefore);

    // 2. Packets per second with the accounting off, as users run it.
    const configs = ['none', 'floor', 'sample', 'sockex'] as const;
    for (let round = 0; round < options.rounds; round++) {
      for (const name of rotate(configs, round)) {
        const attached = name === 'none' ? undefined : await attachInNs(ns, name);
        try {
          pps[name].push((await flood(ns, { seconds: options.seconds, cpu: options.cpu })).pps);
        } finally {
          await attached?.detach();
        }
      }
    }
  } finally {
    writeFileSync(STATS_SYSCTL, statsBefore);
    ns.delete();
  }

  const nsPerRun = Object.fromEntries(filters.map((name) => [name, median(runs[name])])) as Record<FilterName, number>;
  const ppsMedian = { none: median(pps.none), floor: median(pps.floor), sample: median(pps.sample), sockex: median(pps.sockex) };
  // Paired within each round (the same minute of the machine's life), the ratio drifts less than the medians do.
  const pairedRatio = (name: Throughput, base: Throughput): number =>
    median(pps[name].map((value, round) => value / pps[base][round]!));
  const sockexVsFloor = pairedRatio('sockex', 'floor');
  const range = (values: number[], d: number): string => `${fixed(Math.min(...values), d)}-${fixed(Math.max(...values), d)}`;

  const costTable = table(
    ['filter (bpf_stats on)', 'ns/run median', 'range', 'minus floor', 'filter runs per round (approx.)'],
    filters.map((name) => [
      LABELS[name],
      fixed(nsPerRun[name], 1),
      range(runs[name], 1),
      name === 'floor' ? '-' : `${nsPerRun[name] - nsPerRun.floor >= 0 ? '+' : ''}${fixed(nsPerRun[name] - nsPerRun.floor, 1)}`,
      // Every frame runs the filter twice on lo: once tx, once rx.
      count(median(ppsWithStats[name]) * options.seconds * 2),
    ]),
  );
  const ppsTable = table(
    ['flood with (bpf_stats off)', 'pps median', 'range', 'vs nothing', 'vs floor', 'vs floor, paired by round'],
    (['none', 'floor', 'sample', 'sockex'] as const).map((name) => [
      LABELS[name],
      count(ppsMedian[name]),
      `${count(Math.min(...pps[name]))}-${count(Math.max(...pps[name]))}`,
      percent(ppsMedian[name] / ppsMedian.none),
      name === 'none' ? '-' : percent(ppsMedian[name] / ppsMedian.floor),
      name === 'none' ? '-' : percent(pairedRatio(name, 'floor')),
    ]),
  );
  const text = [
    `### 1. Filter cost per run (kernel.bpf_stats_enabled, run_time_ns / run_cnt)`,
    '',
    `${options.rounds} alternating rounds of a ${options.seconds} s UDP flood (${PAYLOAD}-byte payload, sendmmsg, pinned to CPU ${options.cpu}) on lo in a fresh namespace.`,
    '',
    costTable,
    '',
    `### 2. Throughput of the flood`,
    '',
    `${options.rounds} alternating rounds of ${options.seconds} s each; "paired by round" is the median over rounds of this configuration's pps divided by the floor's in the same round.`,
    '',
    ppsTable,
  ].join('\n');
  const goals: Goal[] = [
    {
      goal: "filter ns/run <= the kernel sample's design",
      measured: `${fixed(nsPerRun.sockex)} vs ${fixed(nsPerRun.sample)} ns`,
      met: nsPerRun.sockex <= nsPerRun.sample,
    },
    {
      goal: 'stretch: filter ns/run <= floor + 10 ns',
      measured: `${fixed(nsPerRun.sockex)} vs ${fixed(nsPerRun.floor + 10)} ns`,
      met: nsPerRun.sockex <= nsPerRun.floor + 10,
    },
    {
      goal: 'flood pps with sockex >= 98% of pps with the floor',
      measured: `${percent(sockexVsFloor)} (median of per-round ratios; of medians: ${percent(ppsMedian.sockex / ppsMedian.floor)})`,
      met: sockexVsFloor >= 0.98,
    },
  ];
  return { nsPerRun, pps: ppsMedian, text, goals };
}
