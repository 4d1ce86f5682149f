/**
 * What every benchmark section shares: paths, network namespaces it creates
 * and deletes, child processes it waits for, and /proc readings.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ANY_BY_PROGRAM_NAME, BY_PROGRAM_NAME, byObjectName } from '../src/kernel/maps/breakdown-layout.js';
import { udp4Frame } from '../test/e2e/frames.js';
import { ChildOutput } from '../test/e2e/harness.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROBE = `${ROOT}dist/bench/probe.js`;
const FLOOD = `${ROOT}bpf/build/bench/flood`;
const OBJECTS = {
  sockex: { path: `${ROOT}bpf/build/sockex.bpf.o`, program: 'sockex_count' },
  floor: { path: `${ROOT}bpf/build/bench/floor.bpf.o`, program: 'sockex_floor' },
  sample: { path: `${ROOT}bpf/build/bench/sample-design.bpf.o`, program: 'sample_design' },
  any: { path: `${ROOT}bpf/build/sockex-any.bpf.o`, program: 'sockex_count_any' },
  // The breakdown filters (--by), at their default table size.
  byPort: { path: `${ROOT}bpf/build/${byObjectName(['port'])}`, program: BY_PROGRAM_NAME },
  byHost: { path: `${ROOT}bpf/build/${byObjectName(['host'])}`, program: BY_PROGRAM_NAME },
  byHostPort: { path: `${ROOT}bpf/build/${byObjectName(['port', 'host'])}`, program: BY_PROGRAM_NAME },
  anyByPort: { path: `${ROOT}bpf/build/${byObjectName(['port'], true)}`, program: ANY_BY_PROGRAM_NAME },
  // --by process: attached with the socket hooks, as sockex does (section 7 only).
  byProcess: { path: `${ROOT}bpf/build/${byObjectName(['process'])}`, program: BY_PROGRAM_NAME },
} as const;
export type FilterName = keyof typeof OBJECTS;
/** A filter to measure: one of sockex's objects, or another build of one (attached as it is unless asIs is false). */
export type FilterSpec = FilterName | { path: string; program: string; asIs?: boolean };

/** The flood's destination: loopback inside a namespace, never leaving it. */
const FLOOD_ADDRESS = '127.0.0.1';
export const FLOOD_PORT = 9;
/** UDP payload of every flood datagram, as in the reference figures. */
export const PAYLOAD = 64;
/** A UDP/IPv4 frame on lo. */
export const FRAME_BYTES = udp4Frame(PAYLOAD);

export function run(command: string, args: string[], timeoutMs = 60_000): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const namespaces = new Set<NetNs>();
let nsCounter = 0;

/** A network namespace with lo up; all are deleted on exit, even on Ctrl-C. */
export class NetNs {
  readonly name: string;
  private deleted = false;

  constructor(label: string) {
    this.name = `sockex-bench-${label}-${process.pid}-${++nsCounter}`;
    run('ip', ['netns', 'add', this.name]);
    namespaces.add(this);
    run('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
  }

  exec(command: string, args: string[], timeoutMs?: number): string {
    return run('ip', ['netns', 'exec', this.name, command, ...args], timeoutMs);
  }

  /** hostMounts: enter the network namespace only (nsenter), keeping the cgroup2 mount `ip netns exec` hides with /sys. */
  spawn(command: string, args: string[], hostMounts = false): ChildProcess {
    const enter = hostMounts ? ['nsenter', `--net=/run/netns/${this.name}`] : ['ip', 'netns', 'exec', this.name];
    return spawn(enter[0]!, [...enter.slice(1), command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    namespaces.delete(this);
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}

export function deleteAllNamespaces(): void {
  for (const ns of [...namespaces]) ns.delete();
}

/** Collects a child's output and its exit (once its output is closed too). */
export class Child extends ChildOutput {
  readonly exited: Promise<number | null>;

  constructor(child: ChildProcess) {
    super(child);
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Wait until the output holds what we look for, or fail with what it printed. */
  async waitFor(found: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void this.exited.then(() => (done = true));
    while (!found()) {
      if (done || Date.now() > deadline) {
        throw new Error(`${what}: ${done ? 'exited' : 'timed out'}; stdout: ${this.stdout.slice(-300)} stderr: ${this.stderr.slice(-300)}`);
      }
      await sleep(5);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** A filter attached in a namespace by probe.js, with its kernel program id. */
export interface Attached {
  progId: number;
  detach(): Promise<void>;
}

export async function attachInNs(ns: NetNs, filter: FilterSpec, iface = 'lo', hostMounts = false): Promise<Attached> {
  const { path, program } = typeof filter === 'string' ? OBJECTS[filter] : filter;
  const asIs = typeof filter === 'string' || filter.asIs === false ? [] : ['as-is'];
  return probeAttached(new Child(ns.spawn(process.execPath, [PROBE, 'attach', path, program, iface, ...asIs], hostMounts)), `attaching ${path}`);
}

/** A probe child that prints {progId} once attached and detaches when its stdin ends. */
export async function probeAttached(child: Child, what: string): Promise<Attached> {
  await child.waitFor(() => child.stdout.includes('\n'), what);
  const { progId } = JSON.parse(child.stdout) as { progId: number };
  return {
    progId,
    async detach() {
      child.child.stdin?.end();
      await child.exited;
    },
  };
}

export interface FloodResult {
  sent: number;
  seconds: number;
  pps: number;
}

/** Run the C flood inside the namespace; count 0 = until seconds pass. */
export async function flood(ns: NetNs, options: { count?: number; seconds?: number; cpu?: number }): Promise<FloodResult> {
  const args = [FLOOD_ADDRESS, String(FLOOD_PORT), String(PAYLOAD), String(options.count ?? 0), String(options.seconds ?? 0)];
  if (options.cpu !== undefined) args.push(String(options.cpu));
  const child = new Child(ns.spawn(FLOOD, args));
  child.child.stdin?.end();
  const code = await child.exited;
  if (code !== 0) throw new Error(`flood exited ${code}: ${child.stderr.trim()}`);
  return JSON.parse(child.stdout) as FloodResult;
}

/** run_time_ns and run_cnt of a program (kernel.bpf_stats_enabled must be 1). */
export function programStats(progId: number): { runTimeNs: number; runCount: number } {
  const info = JSON.parse(run('bpftool', ['prog', 'show', 'id', String(progId), '-j'])) as { run_time_ns?: number; run_cnt?: number };
  return { runTimeNs: info.run_time_ns ?? 0, runCount: info.run_cnt ?? 0 };
}

/** CPU time of every thread of a process, in nanoseconds (schedstat: exact, not in clock ticks). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** Peak resident set size in KiB (VmHWM). */
export function peakRssKiB(pid: number): number {
  const match = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) : Number.NaN;
}

/** The first descendant of pid whose command name is comm (through ip netns exec, script, sh). */
export function findDescendant(pid: number, comm: string): number | undefined {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      names.set(Number(entry), name);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (next !== pid && names.get(next) === comm) return next;
    queue.push(...(children.get(next) ?? []));
  }
  return names.get(pid) === comm ? pid : undefined;
}
