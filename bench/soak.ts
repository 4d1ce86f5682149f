/**
 * Soak run: the real CLI counting on lo in its own network namespace, at a
 * 1 s interval, under a steady loopback UDP flood for N seconds. Reports the
 * resident memory of sockex at the start and end (and its peak), checks that
 * every sample arrived (no gap in the 1 s grid) and that the final tx count
 * equals exactly what the flood sent.
 *
 * Then (runAnySoak) the service as it runs on a node with many interfaces,
 * `-i any --quiet --metrics`, over veth pairs in a namespace, with frames
 * on a rotating part of them every second and a scrape every few seconds:
 * resident memory at the start and end, and exact packet counts at the end.
 *
 * Usage (root): node dist/bench/soak.js [--seconds 600] [--rate 5000] [--payload 64] [--pairs 1000]
 * Prints two JSON summaries; exits 1 if a check failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NetNs, findDescendant } from './env.js';
import { UDP, addVethPairs, sendVethFrames } from './veth.js';
import { udp4Frame } from '../test/e2e/frames.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/src/bin/sockex.js`;
const FLOOD = `${ROOT}dist/bench/udp-flood.js`;
const SCRAPE = `${ROOT}dist/bench/scrape.js`;

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
      expectedTxBytes: sent * udp4Frame(options.payload),
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

export interface AnySoakOptions {
  seconds: number;
  /** veth pairs: twice as many interfaces. */
  pairs: number;
  /** Pairs that get a frame each second (in turn), so counters keep changing. */
  busyPairs: number;
  log?: (line: string) => void;
}

export interface AnySoakResult {
  seconds: number;
  pairs: number;
  /** sockex_packets_total series above 0 at the end. */
  counters: number;
  framesSent: number;
  /** UDP packets sent by the veth interfaces in the last scrape: every frame once. */
  udpTxPackets: number;
  /** Received: at most every frame (a burst can overflow the receive backlog, which drops before the tap). */
  udpRxPackets: number;
  scrapes: number;
  rssStartKiB: number;
  rssEndKiB: number;
  rssPeakKiB: number;
  exitCode: number | null;
  problems: string[];
}

interface AnyScrape {
  counters: number;
  body: string;
}

/** The service with -i any over many interfaces: flat memory while counters change and scrapes come. */
export async function runAnySoak(options: AnySoakOptions): Promise<AnySoakResult> {
  const log = options.log ?? (() => undefined);
  const ns = new NetNs('soak-any');
  let sockex: ChildProcess | undefined;
  try {
    addVethPairs(ns, options.pairs);
    sockex = ns.spawn(process.execPath, [CLI, '-i', 'any', '--quiet', '--metrics', '127.0.0.1:9469', '--interval', '1']);
    let stderr = '';
    sockex.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const sockexExit = exited(sockex);
    const scrape = (waitMs = 0): AnyScrape => {
      const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, SCRAPE, 'http://127.0.0.1:9469/metrics', String(waitMs), '--body'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`scrape failed: ${r.stderr.trim()}; sockex: ${stderr.trim()}`);
      const [summary = '{}', ...body] = r.stdout.split('\n');
      return { counters: (JSON.parse(summary) as { counters: number }).counters, body: body.join('\n') };
    };
    scrape(15_000);
    const pid = findDescendant(sockex.pid!, 'node');
    if (pid === undefined) throw new Error('cannot find the sockex process');
    let framesSent = sendVethFrames(ns, 0, options.pairs, [UDP]);
    // Let the runtime settle (JIT, the first samples with every counter) before the baseline.
    await sleep(3000);
    const rssStartKiB = rssKiB(pid);
    let rssPeakKiB = rssStartKiB;
    log(`soak -i any: ${options.pairs * 2} interfaces, sockex pid ${pid}, RSS ${rssStartKiB} KiB`);
    let scrapes = 0;
    for (let second = 0; second < options.seconds; second++) {
      const first = (second * options.busyPairs) % options.pairs;
      framesSent += sendVethFrames(ns, first, Math.min(options.busyPairs, options.pairs - first), [UDP]);
      if (second % 3 === 0) {
        scrape();
        scrapes += 1;
      }
      await sleep(1000);
      rssPeakKiB = Math.max(rssPeakKiB, rssKiB(pid));
    }
    // One more sample after the last frame, then the final scrape.
    await sleep(1500);
    const last = scrape();
    scrapes += 1;
    const rssEndKiB = rssKiB(pid);
    rssPeakKiB = Math.max(rssPeakKiB, rssEndKiB);
    sockex.kill('SIGTERM');
    const exitCode = await sockexExit;
    const udpPackets = (direction: string): number =>
      last.body
        .split('\n')
        .filter((line) => line.startsWith('sockex_packets_total{device="v') && line.includes(`direction="${direction}",family="ipv4",protocol="udp"}`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const udpTxPackets = udpPackets('transmit');
    const udpRxPackets = udpPackets('receive');
    const problems: string[] = [];
    if (exitCode !== 0) problems.push(`sockex exited ${exitCode}: ${stderr.trim()}`);
    if (udpTxPackets !== framesSent) problems.push(`UDP packets sent on the veths ${udpTxPackets} != ${framesSent} frames sent`);
    if (udpRxPackets > framesSent) problems.push(`UDP packets received on the veths ${udpRxPackets} > ${framesSent} frames sent`);
    if (last.counters < options.pairs * 4) problems.push(`${last.counters} counters, expected at least ${options.pairs * 4}`);
    return { seconds: options.seconds, pairs: options.pairs, counters: last.counters, framesSent, udpTxPackets, udpRxPackets, scrapes, rssStartKiB, rssEndKiB, rssPeakKiB, exitCode, problems };
  } finally {
    if (sockex && sockex.exitCode === null && sockex.signalCode === null) sockex.kill('SIGKILL');
    ns.delete();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const seconds = argValue('seconds', 600);
  const result = await runSoak({
    seconds,
    rate: argValue('rate', 5000),
    payload: argValue('payload', 64),
    interval: argValue('interval', 1),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const any = await runAnySoak({ seconds, pairs: argValue('pairs', 1000), busyPairs: 50, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(any, null, 2)}\n`);
  process.exitCode = result.ok && any.problems.length === 0 ? 0 : 1;
}
