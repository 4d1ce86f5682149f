/**
 * End-to-end test harness: a fresh network namespace per test, the real CLI
 * run inside it, and real traffic. Nothing here is mocked.
 *
 * Not root: tests skip and say why; with CI=true they fail instead, so CI can
 * never pass without having loaded the filter for real.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What users run: the package's bin, the bundle scripts/bundle.mjs makes (bundle.test.ts compares it with dist/src/main.js). */
export const CLI = `${ROOT}dist/src/bin/sockex.js`;
export const TOOLS = `${ROOT}dist/test/e2e/tools/`;

const isRoot = process.getuid?.() === 0;

/** Call first in every end-to-end test: false means the test was skipped. */
export function requireRoot(t: TestContext): boolean {
  if (isRoot) return true;
  if (process.env.CI === 'true') throw new Error('end-to-end tests must run as root in CI (they load a real BPF filter)');
  t.skip('needs root: end-to-end tests load a real BPF filter (run sudo npm test)');
  return false;
}

let nsCounter = 0;

export class NetNs {
  readonly name: string;
  private deleted = false;

  private constructor(name: string) {
    this.name = name;
  }

  /** A new namespace with lo up; deleted when the test ends. */
  static create(t: TestContext, label = 't'): NetNs {
    const name = `sockex-${label}-${process.pid}-${++nsCounter}`;
    run('ip', ['netns', 'add', name]);
    const ns = new NetNs(name);
    t.after(() => ns.delete());
    ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Run a command in the namespace to completion; throws with its stderr on failure. */
  exec(command: string, args: string[], timeoutMs = 30_000): string {
    return run('ip', ['netns', 'exec', this.name, command, ...args], timeoutMs);
  }

  /**
   * Start a command in the namespace in the background. `ip netns exec` mounts
   * a /sys of the namespace for it; with keepHostSys it enters with nsenter
   * instead, so /sys still shows the host's interfaces (as in a container
   * that did not remount it).
   */
  spawn(command: string, args: string[], keepHostSys = false): ChildProcess {
    const enter = keepHostSys ? ['nsenter', `--net=/run/netns/${this.name}`] : ['ip', 'netns', 'exec', this.name];
    const [file = '', ...rest] = [...enter, command, ...args];
    return spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Run one of the compiled traffic tools (dist/test/e2e/tools/NAME.js) in the namespace. */
  tool(name: string, args: string[]): string {
    return this.exec(process.execPath, [`${TOOLS}${name}.js`, ...args]);
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}

/**
 * Two namespaces joined by a veth pair: veth-a 192.0.2.1/24 in `a`, veth-b
 * 192.0.2.2/24 in `b`, both up. IPv4 only (no IPv6 chatter to count) unless
 * `ipv6`: then fd00::1/64 and fd00::2/64 as well, without duplicate address
 * detection, so they are usable at once.
 */
export function vethPair(t: TestContext, label: string, { ipv6 = false } = {}): { a: NetNs; b: NetNs } {
  const a = NetNs.create(t, `${label}a`);
  const b = NetNs.create(t, `${label}b`);
  if (!ipv6) for (const ns of [a, b]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  a.exec('ip', ['link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b', 'netns', b.name]);
  for (const [ns, dev, n] of [[a, 'veth-a', 1], [b, 'veth-b', 2]] as const) {
    ns.exec('ip', ['addr', 'add', `192.0.2.${n}/24`, 'dev', dev]);
    if (ipv6) ns.exec('ip', ['addr', 'add', `fd00::${n}/64`, 'dev', dev, 'nodad']);
    ns.exec('ip', ['link', 'set', dev, 'up']);
  }
  return { a, b };
}

export function run(command: string, args: string[], timeoutMs = 30_000): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export interface JsonCounter {
  interface: string;
  ifindex: number;
  direction: 'tx' | 'rx';
  family: 'ipv4' | 'ipv6' | 'other';
  protocol: number;
  name: string;
  bytes: number;
  packets: number;
  /** Over the sample's interval. */
  bytesPerSecond: number;
  packetsPerSecond: number;
}

/** A breakdown counter (--by): the protocol key plus port and/or host. */
export interface JsonBreakdownCounter extends JsonCounter {
  port?: number | 'none' | 'other';
  service?: string;
  host?: string;
}

export interface JsonSample {
  time: string;
  elapsed: number;
  /** Seconds since the previous sample: what the rates cover. */
  interval: number;
  counters: JsonCounter[];
  breakdown?: { by: string[]; counters: JsonBreakdownCounter[] };
  /** --by process/user/cgroup, once an owner table was full. */
  owners_lost?: { flows: number; bound: number };
}

/** A child process and all it printed so far (the bench's children too). */
export class ChildOutput {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => (this.stdout += d));
    child.stderr?.on('data', (d: string) => (this.stderr += d));
  }
}

/** A running sockex process and what it printed. */
export class RunningSockex extends ChildOutput {
  private readonly exited: Promise<number | null>;

  constructor(child: ChildProcess) {
    super(child);
    // 'close', not 'exit': only then has everything sockex wrote to stdout and stderr been read
    // ('exit' can come first, and a test would miss the final sample).
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Wait until stderr says the filter is attached (or the process died). */
  async attached(timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.stderr.includes('sockex: counting on'), timeoutMs, () => `sockex did not attach: ${this.stderr}`, this.exited);
  }

  /** SIGTERM, then the exit code; sockex prints a final sample on the way out. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exit();
  }

  exit(timeoutMs = 15_000): Promise<number | null> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`sockex did not exit: ${this.stderr}`)), timeoutMs).unref()),
    ]);
  }

  samples(): JsonSample[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as JsonSample);
  }

  lastSample(): JsonSample {
    const all = this.samples();
    const last = all[all.length - 1];
    if (!last) throw new Error(`sockex printed no sample; stderr: ${this.stderr}`);
    return last;
  }

  /**
   * Wait for a sample that shows what the test sent (a frame received on a
   * veth may be counted a moment after its sendto() returned), instead of
   * sleeping for an interval and hoping.
   */
  async sampleShowing(shows: (sample: JsonSample) => boolean, timeoutMs = 10_000): Promise<void> {
    const last = (): JsonSample | undefined => this.samples().at(-1);
    await waitFor(
      () => {
        const sample = last();
        return sample !== undefined && shows(sample);
      },
      timeoutMs,
      () => `no sample showed it; the last: ${JSON.stringify(last())}; stderr: ${this.stderr}`,
      this.exited,
    );
  }
}

/** Start the real CLI inside the namespace (JSON output unless args say otherwise); keepHostSys: see NetNs.spawn. */
export async function startSockex(ns: NetNs, args: string[] = ['--json', '--interval', '0.2'], keepHostSys = false): Promise<RunningSockex> {
  const sockex = new RunningSockex(ns.spawn(process.execPath, [CLI, ...args], keepHostSys));
  await sockex.attached();
  return sockex;
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  message: () => string,
  abort?: Promise<unknown>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let aborted = false;
  void abort?.then(() => (aborted = true));
  while (!condition()) {
    if (aborted) {
      // One more look: the process may have printed and exited in one go.
      await new Promise((r) => setTimeout(r, 50));
      if (condition()) return;
      throw new Error(message());
    }
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sum of one bucket across the sample (0 when absent). */
export function counter(
  sample: JsonSample,
  want: { interface?: string; direction: 'tx' | 'rx'; family: 'ipv4' | 'ipv6' | 'other'; protocol: number },
): { bytes: number; packets: number } {
  let bytes = 0;
  let packets = 0;
  for (const c of sample.counters) {
    if (want.interface !== undefined && c.interface !== want.interface) continue;
    if (c.direction === want.direction && c.family === want.family && c.protocol === want.protocol) {
      bytes += c.bytes;
      packets += c.packets;
    }
  }
  return { bytes, packets };
}
