/**
 * Section 6: the cost of one sample as interfaces and counters grow.
 *
 * The service as users run it on a node with many interfaces, `-i any
 * --quiet --metrics`, in a namespace with N veth interfaces that each carry
 * traffic, beside the same service on lo alone started at the same moment
 * and measured over the same windows (the machine is shared and noisy: a
 * ratio within one window compares like with like). Then the idle service
 * beside idle line mode the same way, and, as before, filters attached per
 * interface (the read alone) and the cost on paper as CPUs grow.
 */
import { Child, NetNs, PROBE, ROOT, cpuNs, findDescendant, peakRssKiB, sleep } from './env.js';
import { count, fixed, median, table, type Goal, type SectionResult } from './stats.js';
import { ICMP, TCP, UDP, addVethPairs, sendVethFrames } from './veth.js';
import { ARRAY_SLOTS, COUNTER_SIZE, TABLE_SIZE } from '../src/kernel/maps/layout.js';
import { readFileSync } from 'node:fs';

const SCRAPE = `${ROOT}dist/bench/scrape.js`;
const METRICS_ADDRESS = '127.0.0.1:9469';
const METRICS_URL = `http://${METRICS_ADDRESS}/metrics`;

/** The service's environment as examples/sockex.service sets it (Environment=): the service is measured as it is shipped. */
const UNIT_ENVIRONMENT: readonly string[] = [...readFileSync(`${ROOT}examples/sockex.service`, 'utf8').matchAll(/^Environment=(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/));

interface ReadCost {
  interfaces: number;
  cpus: number;
  syscalls: number;
  bytes: number;
  ms: number;
}

interface Scrape {
  ms: number;
  bytes: number;
  series: number;
  counters: number;
}

export interface GrowthTiming {
  warmupSeconds: number;
  windowSeconds: number;
  windows: number;
  scrapes: number;
}

/** A point of the curve: veth pairs in the namespace and the protocols each interface sends and receives. */
interface Point {
  pairs: number;
  protocols: readonly number[];
  note: string;
  /** More arguments for both services (this point's and lo alone's beside it). */
  args?: readonly string[];
  /** Both services without the unit's environment (node as a user starts it by hand). */
  plainNode?: boolean;
}

const POINTS: readonly Point[] = [
  { pairs: 0, protocols: [], note: 'lo alone' },
  { pairs: 50, protocols: [UDP], note: '' },
  { pairs: 500, protocols: [UDP], note: '' },
  { pairs: 1000, protocols: [UDP], note: '' },
  // 12,000 counters asked for: the 8,192-entry table fills, the rest goes to the overflow counters.
  { pairs: 1000, protocols: [UDP, TCP, ICMP], note: 'table full' },
  // Every interface's UDP in the breakdown (a port each way): 4,000 breakdown keys; lo alone with --by port too.
  { pairs: 1000, protocols: [UDP], note: '--by port, 4,000 keys', args: ['--by', 'port'] },
  // The same without the unit's NODE_OPTIONS: what `sudo sockex -i any --by port` costs by hand.
  { pairs: 1000, protocols: [UDP], note: '--by port, 4,000 keys, no NODE_OPTIONS', args: ['--by', 'port'], plainNode: true },
];

/** One sockex process in a namespace, and its pid (ip netns exec execs node). */
class Service {
  readonly ns: NetNs;
  readonly child: Child;
  pid = 0;

  constructor(ns: NetNs, cli: string, args: readonly string[], environment: readonly string[] = UNIT_ENVIRONMENT) {
    this.ns = ns;
    this.child = new Child(ns.spawn('env', [...environment, process.execPath, cli, ...args, '--interval', '1']));
  }

  async started(ready: () => Promise<void> | void): Promise<void> {
    await ready();
    const pid = findDescendant(this.child.child.pid!, 'node');
    if (pid === undefined) throw new Error(`cannot find the sockex process under ${this.child.child.pid}`);
    this.pid = pid;
  }

  cpuMs(): number {
    return cpuNs(this.pid) / 1e6;
  }

  async stop(): Promise<void> {
    await this.child.stop('SIGTERM');
  }
}

function scrape(ns: NetNs, waitMs = 0): Scrape {
  return JSON.parse(ns.exec(process.execPath, [SCRAPE, METRICS_URL, String(waitMs)])) as Scrape;
}

function metricsService(ns: NetNs, cli: string, iface: string, args: readonly string[] = [], environment?: readonly string[]): Service {
  return new Service(ns, cli, ['-i', iface, '--quiet', '--metrics', METRICS_ADDRESS, ...args], environment);
}

/**
 * CPU ms per sample of a and b over the same windows, after a common
 * warm-up (V8's optimising compiler and the full GC its memory reducer runs
 * once a new process goes quiet).
 */
async function sideBySide(a: Service, b: Service, timing: GrowthTiming): Promise<{ a: number[]; b: number[] }> {
  await sleep(timing.warmupSeconds * 1000);
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < timing.windows; i++) {
    const [a0, b0] = [a.cpuMs(), b.cpuMs()];
    await sleep(timing.windowSeconds * 1000);
    // At --interval 1 a window of W seconds holds W samples.
    out.a.push((a.cpuMs() - a0) / timing.windowSeconds);
    out.b.push((b.cpuMs() - b0) / timing.windowSeconds);
  }
  return out;
}

interface PointResult {
  point: Point;
  interfaces: number;
  counters: number;
  msPerSample: number;
  baseMsPerSample: number;
  /** Median over windows of this point's CPU over lo alone's in the same window. */
  ratio: number;
  rssMiB: number;
  scrape: Scrape;
  /** CPU of sockex serving one scrape after the counters changed (the text made again), ms. */
  scrapeCpuMs: number;
}

async function measurePoint(cli: string, point: Point, timing: GrowthTiming): Promise<PointResult> {
  const ns = new NetNs(`growth-${point.pairs}`);
  const lo = new NetNs('growth-lo');
  const services: Service[] = [];
  try {
    addVethPairs(ns, point.pairs);
    addVethPairs(lo, 0);
    const environment = point.plainNode ? [] : undefined;
    const service = metricsService(ns, cli, 'any', point.args, environment);
    const base = metricsService(lo, cli, 'any', point.args, environment);
    services.push(service, base);
    await service.started(() => void scrape(ns, 15_000));
    await base.started(() => void scrape(lo, 15_000));
    sendVethFrames(ns, 0, point.pairs, point.protocols);
    const cpu = await sideBySide(service, base, timing);
    const ratios = cpu.a.map((ms, i) => ms / cpu.b[i]!);
    // Scrapes after a change (one more frame on the first pair), so the text is made again, not served from the cache.
    const scrapes: Scrape[] = [];
    const scrapeCpu: number[] = [];
    for (let i = 0; i < timing.scrapes; i++) {
      sendVethFrames(ns, 0, Math.min(point.pairs, 1), [UDP]);
      await sleep(1100);
      const before = service.cpuMs();
      scrapes.push(scrape(ns));
      scrapeCpu.push(service.cpuMs() - before);
    }
    const typical = [...scrapes].sort((x, y) => x.ms - y.ms)[Math.floor(scrapes.length / 2)]!;
    return {
      point,
      interfaces: 1 + 2 * point.pairs,
      counters: typical.counters,
      msPerSample: median(cpu.a),
      baseMsPerSample: median(cpu.b),
      ratio: median(ratios),
      rssMiB: peakRssKiB(service.pid) / 1024,
      scrape: typical,
      scrapeCpuMs: median(scrapeCpu),
    };
  } finally {
    for (const s of services) await s.stop().catch(() => undefined);
    ns.delete();
    lo.delete();
  }
}

/** The idle service and idle line mode on lo, side by side: CPU ms per sample of each. */
async function idleServiceVsLines(cli: string, timing: GrowthTiming): Promise<{ service: number[]; lines: number[] }> {
  const a = new NetNs('idle-metrics');
  const b = new NetNs('idle-lines');
  const services: Service[] = [];
  try {
    const service = metricsService(a, cli, 'lo');
    const lines = new Service(b, cli, ['-i', 'lo', '--plain'], []);
    services.push(service, lines);
    await service.started(() => void scrape(a, 15_000));
    await lines.started(() => lines.child.waitFor(() => lines.child.stderr.includes('counting on'), 'sockex --plain'));
    const cpu = await sideBySide(service, lines, timing);
    return { service: cpu.a, lines: cpu.b };
  } finally {
    for (const s of services) await s.stop().catch(() => undefined);
    a.delete();
    b.delete();
  }
}

export async function growth(options: { samples: number; cli: string; timing: GrowthTiming }): Promise<SectionResult> {
  const { timing } = options;
  const results: PointResult[] = [];
  for (const point of POINTS) results.push(await measurePoint(options.cli, point, timing));
  const idle = await idleServiceVsLines(options.cli, timing);
  const idleRatios = idle.service.map((ms, i) => ms / idle.lines[i]!);

  const rows = results.map((r) => [
    `${count(r.interfaces)}${r.point.note ? ` (${r.point.note})` : ''}`,
    count(r.counters),
    fixed(r.msPerSample, 2),
    fixed(r.baseMsPerSample, 2),
    `${fixed(r.ratio, 2)}x`,
    fixed(r.rssMiB, 1),
    count(r.scrape.series),
    count(r.scrape.bytes),
    fixed(r.scrape.ms, 1),
    fixed(r.scrapeCpuMs, 1),
  ]);
  const at4000 = results.find((r) => r.point.pairs === 1000 && r.point.protocols.length === 1 && !r.point.args)!;
  const full = results.find((r) => r.point.note === 'table full')!;
  const byPort = results.find((r) => r.point.args !== undefined && !r.point.plainNode)!;
  const byHand = results.find((r) => r.point.plainNode)!;
  const idleRatio = median(idleRatios);
  const goals: Goal[] = [
    {
      goal: 'growth: CPU per sample at 2,000 interfaces / 4,000 counters <= 2x lo alone',
      measured: `${fixed(at4000.ratio, 2)}x (${fixed(at4000.msPerSample, 2)} vs ${fixed(at4000.baseMsPerSample, 2)} ms; table full: ${fixed(full.ratio, 2)}x)`,
      met: at4000.ratio <= 2,
    },
    { goal: 'growth: peak RSS < 80 MiB at 4,000 counters', measured: `${fixed(at4000.rssMiB)} MiB`, met: at4000.rssMiB < 80 },
    {
      goal: 'growth: -i any --by port at 4,000 breakdown keys <= 2x lo alone (--by port)',
      measured: `${fixed(byPort.ratio, 2)}x (${fixed(byPort.msPerSample, 2)} vs ${fixed(byPort.baseMsPerSample, 2)} ms)`,
      met: byPort.ratio <= 2,
    },
    {
      goal: 'growth: peak RSS < 80 MiB at 4,000 breakdown keys',
      measured: `${fixed(byPort.rssMiB)} MiB as the unit runs it (by hand, no NODE_OPTIONS: ${fixed(byHand.rssMiB)} MiB)`,
      met: byPort.rssMiB < 80,
    },
    {
      goal: 'growth: idle service (--quiet --metrics) <= 1.5x idle line mode',
      measured: `${fixed(idleRatio, 2)}x (${fixed(median(idle.service), 2)} vs ${fixed(median(idle.lines), 2)} ms per sample)`,
      met: idleRatio <= 1.5,
    },
  ];
  const perInterface = await perInterfaceFilters(options.samples);
  const w = `${timing.windows} windows of ${timing.windowSeconds} s after a ${timing.warmupSeconds} s warm-up`;
  const text = [
    '### 6. Growth: the cost of one sample as interfaces and counters grow',
    '',
    `\`sockex -i any --quiet --metrics ${METRICS_ADDRESS} --interval 1\` (the CLI measured above), with the environment examples/sockex.service gives it (${UNIT_ENVIRONMENT.join(' ')}; the last row without), in a namespace with N-1 veth interfaces and lo; IPv6 off, so the only frames are the benchmark's: one IPv4 frame per protocol sent from each end of each pair (a tx and an rx counter per interface and protocol). Beside it, started at the same moment, the same service in a namespace with lo alone. CPU is that of all the process's threads (user and kernel: the map read's syscall included) per sample, median of ${w}; "x lo" is the median over windows of the two processes' ratio in the same window (the machine is shared with other work, so single figures are noisy). Peak RSS is VmHWM at the end. A scrape is timed by a client in the namespace after the counters changed (so the text is made again), median of ${timing.scrapes}; "series" counts both sockex counter families, zero series included.`,
    '',
    table(['interfaces', 'counters', 'ms per sample', 'lo alone, same windows', 'x lo', 'peak RSS MiB', 'series', 'scrape bytes', 'scrape ms', 'sockex CPU per scrape ms'], rows),
    '',
    `Idle, on lo, side by side over the same ${w}: the service (\`-i lo --quiet --metrics\`) ${fixed(median(idle.service), 3)} ms per sample, line mode (\`-i lo --plain\` into a pipe) ${fixed(median(idle.lines), 3)} ms per sample; ratio ${fixed(idleRatio, 2)}x (per window: ${idleRatios.map((r) => fixed(r, 2)).join(', ')}).`,
    '',
    perInterface,
  ].join('\n');
  return { text, goals };
}

async function perInterfaceFilters(samples: number): Promise<string> {
  const ns = new NetNs('growth');
  const rows: string[][] = [];
  let cpus = 0;
  try {
    const names: string[] = [];
    for (let i = 0; i < 16; i++) {
      ns.exec('ip', ['link', 'add', `va${i}`, 'type', 'veth', 'peer', 'name', `vb${i}`]);
      ns.exec('ip', ['link', 'set', `va${i}`, 'up']);
      ns.exec('ip', ['link', 'set', `vb${i}`, 'up']);
      names.push(`va${i}`);
    }
    for (const n of [1, 4, 16]) {
      const cost = JSON.parse(ns.exec(process.execPath, [PROBE, 'read-cost', String(samples), ...names.slice(0, n)])) as ReadCost;
      cpus = cost.cpus;
      rows.push([String(n), String(cost.syscalls), count(cost.bytes), fixed(cost.ms, 3), fixed(cost.ms / n, 3)]);
    }
  } finally {
    ns.delete();
  }
  // The array map returns every slot each time (key and per-CPU values); the hash map only the EtherTypes seen (none here).
  const perInterface = (c: number): number => 4 + c * TABLE_SIZE;
  const paper = [2, 8, 32, 128, 512].map((c) => [String(c), count(perInterface(c)), count(perInterface(c) * 16)]);
  const text = [
    '#### Filters per interface (-i IFACE...): the read alone',
    '',
    `Measured in process: sockex's filter attached to N veth interfaces in a namespace (${cpus} possible CPUs), one sample = per interface one lookup of the IP table and one batched lookup of the EtherType hash, + summing + the Sampler, median of ${samples}.`,
    '',
    table(['interfaces', 'syscalls', 'bytes copied', 'ms per sample', 'ms per interface'], rows),
    '',
    `On paper, as CPUs grow: per-CPU values are copied for every possible CPU, so one interface's IP table costs 4 + CPUs x ${TABLE_SIZE} bytes per sample (${ARRAY_SLOTS} slots of ${COUNTER_SIZE} bytes; the EtherType hash adds 4 + CPUs x ${COUNTER_SIZE} bytes per EtherType seen). Syscalls stay 2 per interface; the copy and the zero scan grow with the CPUs.`,
    '',
    table(['possible CPUs', 'bytes per interface', 'bytes for 16 interfaces'], paper),
  ].join('\n');
  return text;
}
