/**
 * Soak run: the real CLI counting on lo in its own network namespace, at a
 * 1 s interval, under a steady loopback UDP flood for N seconds. Reports the
 * resident memory of sockex at the start and end (and its peak), checks that
 * every sample arrived (no gap in the 1 s grid) and that the final tx count
 * equals exactly what the flood sent.
 *
 * Usage (root): node dist/bench/soak.js [--seconds 600] [--rate 5000] [--payload 64]
 * Prints one JSON summary; exits 1 if a check failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/src/main.js`;
const FLOOD = `${ROOT}dist/bench/udp-flood.js`;
/** Ethernet + IPv4 + UDP headers of a datagram on lo. */
const UDP4_OVERHEAD = 14 + 20 + 8;

export interface SoakOptions {
  seconds: number;
  /** Datagrams per second. */
  rate: number;
  payload: number;
  /** Sampling interval of sockex, seconds. */
  interval: number;
  /** Progress lines on stderr. */
  log?: (line: string) => void;
}

export interface SoakResult {
  seconds: number;
  rate: number;
  interval: number;
  samples: number;
  /** Samples the 1 s grid called for while the flood ran (first to last). */
  expectedSamples: number;
  /** Largest gap between consecutive samples, seconds. */
  largestGap: number;
  rssStartKiB: number;
  rssEndKiB: number;
  rssPeakKiB: number;
  sent: number;
  failed: number;
  txPackets: number;
  txBytes: number;
  expectedTxBytes: number;
  /** rx can be lower than tx under a flood: lo's backlog drops after the tx tap. */
  rxPackets: number;
  exitCode: number | null;
  ok: boolean;
  problems: string[];
}

interface Sample {
  elapsed: number;
  counters: { direction: string; family: string; protocol: number; bytes: number; packets: number }[];
}

function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const ns = `sockex-soak-${process.pid}-${Date.now() % 100000}`;
  const ip = (args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  ip(['netns', 'add', ns]);
  const children: ChildProcess[] = [];
  try {
    ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    // sockex: JSON samples every interval; its pid is the node process (ip netns exec execs).
    const sockex = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, '--json', '--interval', String(options.interval)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(sockex);
    let stdout = '';
    let stderr = '';
    sockex.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    sockex.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const sockexExit = exited(sockex);
    const deadline = Date.now() + 15_000;
    while (!stderr.includes('counting on')) {
      if (Date.now() > deadline || sockex.exitCode !== null) throw new Error(`sockex did not start: ${stderr}`);
      await sleep(20);
    }
    const pid = sockex.pid!;
    // Let the runtime settle (JIT, first samples) before the baseline.
    await sleep(2000);
    const rssStartKiB = rssKiB(pid);
    let rssPeakKiB = rssStartKiB;
    log(`soak: sockex pid ${pid}, RSS ${rssStartKiB} KiB; flooding ${options.rate}/s for ${options.seconds} s`);

    const flood = spawn('ip', ['netns', 'exec', ns, process.execPath, FLOOD, String(options.seconds), String(options.rate), String(options.payload)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(flood);
    let floodOut = '';
    flood.stdout.setEncoding('utf8').on('data', (d: string) => (floodOut += d));
    const floodExit = exited(flood);
    const floodStart = Date.now();
    let lastLog = floodStart;
    while (flood.exitCode === null) {
      await sleep(500);
      rssPeakKiB = Math.max(rssPeakKiB, rssKiB(pid));
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        log(`soak: ${Math.round((Date.now() - floodStart) / 1000)} s, RSS ${rssKiB(pid)} KiB`);
      }
    }
    await floodExit;
    const { sent, failed } = JSON.parse(floodOut) as { sent: number; failed: number };
    // One more sample after the last datagram, then stop: the final sample is exact.
    await sleep(options.interval * 1500);
    const rssEndKiB = rssKiB(pid);
    rssPeakKiB = Math.max(rssPeakKiB, rssEndKiB);
    sockex.kill('SIGTERM');
    const exitCode = await sockexExit;

    const samples = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Sample);
    const last = samples[samples.length - 1];
    const sum = (direction: string, field: 'bytes' | 'packets'): number =>
      (last?.counters ?? [])
        .filter((c) => c.direction === direction && c.family === 'ipv4' && c.protocol === 17)
        .reduce((s, c) => s + c[field], 0);
    // Every sample on the grid arrived: no gap wider than one and a half intervals
    // (the final, signal-driven sample may come early, never late).
    let largestGap = 0;
    for (let i = 1; i < samples.length; i++) {
      largestGap = Math.max(largestGap, (samples[i]?.elapsed ?? 0) - (samples[i - 1]?.elapsed ?? 0));
    }
    const firstElapsed = samples[0]?.elapsed ?? 0;
    const lastElapsed = last?.elapsed ?? 0;
    const expectedSamples = Math.floor((lastElapsed - firstElapsed) / options.interval) + 1;

    const result: SoakResult = {
      seconds: options.seconds,
      rate: options.rate,
      interval: options.interval,
      samples: samples.length,
      expectedSamples,
      largestGap: Math.round(largestGap * 1000) / 1000,
      rssStartKiB,
      rssEndKiB,
      rssPeakKiB,
      sent,
      failed,
      txPackets: sum('tx', 'packets'),
      txBytes: sum('tx', 'bytes'),
      expectedTxBytes: sent * (UDP4_OVERHEAD + options.payload),
      rxPackets: sum('rx', 'packets'),
      exitCode,
      ok: false,
      problems: [],
    };
    if (exitCode !== 0) result.problems.push(`sockex exited ${exitCode}: ${stderr.trim()}`);
    if (sent === 0) result.problems.push('the flood sent nothing');
    if (result.txPackets !== sent) result.problems.push(`tx packets ${result.txPackets} != sent ${sent}`);
    if (result.txBytes !== result.expectedTxBytes) result.problems.push(`tx bytes ${result.txBytes} != ${result.expectedTxBytes}`);
    if (result.rxPackets > sent) result.problems.push(`rx packets ${result.rxPackets} > sent ${sent}`);
    if (largestGap > options.interval * 1.5) result.problems.push(`a sample is missing: gap of ${largestGap} s`);
    if (samples.length < expectedSamples) result.problems.push(`${samples.length} samples, the grid called for ${expectedSamples}`);
    result.ok = result.problems.length === 0;
    return result;
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    spawnSync('ip', ['netns', 'delete', ns]);
  }
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runSoak({
    seconds: argValue('seconds', 600),
    rate: argValue('rate', 5000),
    payload: argValue('payload', 64),
    interval: argValue('interval', 1),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}
