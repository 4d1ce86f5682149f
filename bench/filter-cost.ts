/**
 * Sections 1 and 2: what a filter costs per packet (the kernel's own
 * accounting) and what it costs the flood (packets per second), for
 * sockex's filter, the return-0 floor and the kernel sample's design.
 * Configurations alternate within each round, so drift and other load on the
 * machine spread over all of them alike; medians are reported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { NetNs, PAYLOAD, attachInNs, flood, programStats, type FilterName, type FilterSpec } from './env.js';
import { count, fixed, median, percent, table, type Goal } from './stats.js';

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';
const LABELS: Record<FilterName | 'none' | 'before' | 'beforeAny' | 'beforeByPort', string> = {
  none: 'nothing attached',
  floor: 'floor (return 0)',
  sample: "kernel sample's design",
  sockex: 'sockex_count',
  any: 'sockex_count_any (-i any)',
  before: 'sockex_count from --before',
  beforeAny: 'sockex_count_any from --before',
  beforeByPort: 'sockex_count_by, --by port, from --before',
  byPort: 'sockex_count_by, --by port',
  byHost: 'sockex_count_by, --by host',
  byHostPort: 'sockex_count_by, --by port,host',
  anyByPort: 'sockex_count_any_by, -i any --by port',
  byProcess: 'sockex_count_by, --by process (section 7)',
};
/** The filters of section 1; the pps section leaves out -i any (one interface is the comparison). */
type CostName = FilterName | 'before' | 'beforeAny' | 'beforeByPort';
type PpsName = 'floor' | 'sample' | 'sockex';

export interface FilterCostOptions {
  rounds: number;
  seconds: number;
  /** The CPU the flood is pinned to. */
  cpu: number;
  /** Another build's bpf/build folder (e.g. from before a change): its protocol filters are measured beside the others, as they are; its --by port filter as sockex attaches it. */
  before?: string;
}

export interface FilterCostResult {
  nsPerRun: Partial<Record<CostName, number>>;
  pps: Record<PpsName | 'none', number>;
  text: string;
  goals: Goal[];
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function filterCost(options: FilterCostOptions): Promise<FilterCostResult> {
  const ns = new NetNs('cost');
  // ns/run for every filter, the breakdown filters (--by) included; throughput for the protocol filter and its yardsticks.
  const filters: CostName[] = ['floor', 'sample', 'sockex', 'any', 'byPort', 'byHost', 'byHostPort', 'anyByPort', ...(options.before ? (['before', 'beforeAny', 'beforeByPort'] as const) : [])];
  const spec = (name: CostName): FilterSpec => {
    if (name === 'before') return { path: `${options.before}/sockex.bpf.o`, program: 'sockex_count' };
    if (name === 'beforeAny') return { path: `${options.before}/sockex-any.bpf.o`, program: 'sockex_count_any' };
    if (name === 'beforeByPort') return { path: `${options.before}/sockex-by-port.bpf.o`, program: 'sockex_count_by', asIs: false };
    return name;
  };
  const perFilter = (): Record<CostName, number[]> => ({ floor: [], sample: [], sockex: [], any: [], byPort: [], byHost: [], byHostPort: [], anyByPort: [], byProcess: [], before: [], beforeAny: [], beforeByPort: [] });
  const runs = perFilter();
  const ppsWithStats = perFilter();
  const pps: Record<PpsName | 'none', number[]> = { none: [], floor: [], sample: [], sockex: [] };
  const statsBefore = readFileSync(STATS_SYSCTL, 'utf8').trim();
  try {
    // Warm up the path (ARP-free on lo, but caches and the JIT'd code).
    await flood(ns, { seconds: 0.5, cpu: options.cpu });

    // 1. ns per run, with the kernel's per-program accounting switched on.
    writeFileSync(STATS_SYSCTL, '1');
    for (let round = 0; round < options.rounds; round++) {
      for (const name of rotate(filters, round)) {
        const attached = await attachInNs(ns, spec(name));
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
    const configs: (PpsName | 'none')[] = ['none', 'floor', 'sample', 'sockex'];
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

  const nsPerRun: Partial<Record<CostName, number>> = Object.fromEntries(filters.map((name) => [name, median(runs[name])]));
  const floor = median(runs.floor);
  const sample = median(runs.sample);
  const sockex = median(runs.sockex);
  // The goal's yardstick: the sample works on outgoing frames only (half the runs on lo), sockex on all.
  const ratio = (ns: number): number => (ns - floor) / (2 * (sample - floor));
  // The same ratio within each round (the same minute of the machine's life), then the median.
  const pairedRatio = (name: CostName): number =>
    median(runs[name].map((ns, round) => (ns - runs.floor[round]!) / (2 * (runs.sample[round]! - runs.floor[round]!))));
  const ppsMedian = { none: median(pps.none), floor: median(pps.floor), sample: median(pps.sample), sockex: median(pps.sockex) };
  // Paired within each round (the same minute of the machine's life), the ratio drifts less than the medians do.
  const pairedPps = (name: PpsName | 'none', base: PpsName | 'none'): number =>
    median(pps[name].map((value, round) => value / pps[base][round]!));
  const sockexVsFloor = pairedPps('sockex', 'floor');
  const range = (values: number[], d: number): string => `${fixed(Math.min(...values), d)}-${fixed(Math.max(...values), d)}`;

  const costTable = table(
    ['filter (bpf_stats on)', 'ns/run median', 'range', 'minus floor', 'x goal (of medians)', 'x goal (paired by round)', 'filter runs per round (approx.)'],
    filters.map((name) => {
      const ns = median(runs[name]);
      const counting = name !== 'floor' && name !== 'sample';
      return [
        LABELS[name],
        fixed(ns, 1),
        range(runs[name], 1),
        name === 'floor' ? '-' : `${ns - floor >= 0 ? '+' : ''}${fixed(ns - floor, 1)}`,
        counting ? fixed(ratio(ns), 2) : '-',
        counting ? fixed(pairedRatio(name), 2) : '-',
        // Every frame runs the filter twice on lo: once tx, once rx.
        count(median(ppsWithStats[name]) * options.seconds * 2),
      ];
    }),
  );
  const ppsTable = table(
    ['flood with (bpf_stats off)', 'pps median', 'range', 'vs nothing', 'vs floor', 'vs floor, paired by round'],
    (['none', 'floor', 'sample', 'sockex'] as const).map((name) => [
      LABELS[name],
      count(ppsMedian[name]),
      `${count(Math.min(...pps[name]))}-${count(Math.max(...pps[name]))}`,
      percent(ppsMedian[name] / ppsMedian.none),
      name === 'none' ? '-' : percent(ppsMedian[name] / ppsMedian.floor),
      name === 'none' ? '-' : percent(pairedPps(name, 'floor')),
    ]),
  );
  const text = [
    `### 1. Filter cost per run (kernel.bpf_stats_enabled, run_time_ns / run_cnt)`,
    '',
    `${options.rounds} alternating rounds of a ${options.seconds} s UDP flood (${PAYLOAD}-byte payload, sendmmsg, pinned to CPU ${options.cpu}) on lo in a fresh namespace.`,
    '',
    costTable,
    '',
    `"x goal" is (filter - floor) / (2 x (sample - floor)): the goal is at most 1, the stretch goal 0.8. The sample's design returns at once on every frame that is not outgoing (half of the runs on lo), sockex counts both directions, hence the 2. The machine is shared: medians of alternating rounds, and the paired column takes the ratio within each round first.`,
    '',
    `### 2. Throughput of the flood`,
    '',
    `${options.rounds} alternating rounds of ${options.seconds} s each; "paired by round" is the median over rounds of this configuration's pps divided by the floor's in the same round.`,
    '',
    ppsTable,
  ].join('\n');
  const goals: Goal[] = [
    {
      goal: '(sockex - floor) <= 2 x (sample - floor) ns/run',
      measured: `${fixed(sockex - floor, 1)} vs ${fixed(2 * (sample - floor), 1)} ns: x${fixed(ratio(sockex), 2)} (paired by round x${fixed(pairedRatio('sockex'), 2)})`,
      met: ratio(sockex) <= 1,
    },
    {
      goal: 'stretch: the same at x0.8',
      measured: `x${fixed(ratio(sockex), 2)}`,
      met: ratio(sockex) <= 0.8,
    },
    {
      goal: 'flood pps with sockex >= 98% of pps with the floor',
      measured: `${percent(sockexVsFloor)} (median of per-round ratios; of medians: ${percent(ppsMedian.sockex / ppsMedian.floor)})`,
      met: sockexVsFloor >= 0.98,
    },
  ];
  return { nsPerRun, pps: ppsMedian, text, goals };
}
