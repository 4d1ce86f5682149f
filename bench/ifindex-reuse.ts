/**
 * How small the window of -i any's ifindex reuse is (docs/interfaces.md): an
 * interface deleted and another one made at once with its ifindex, written
 * to as fast as one process can, while sockex runs with a 600 s interval (so
 * all of it falls within one). Frames of the new interface counted before
 * sockex took in the deletion land in the old interface's closed counters;
 * the times of the new one's writes (since the old one's close) bound that
 * window. Needs root.
 *
 *   node dist/bench/ifindex-reuse.js [ROUNDS]
 */
import { Child, NetNs, ROOT, deleteAllNamespaces } from './env.js';

interface Counter {
  interface: string;
  ifindex: number;
  generation?: number;
  family: string;
  protocol: number;
  packets: number;
}

const rounds = Number(process.argv[2] ?? 50);
const base = 700;
const ns = new NetNs('reuse');
try {
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  const sockex = new Child(ns.spawn(process.execPath, [`${ROOT}dist/src/bin/sockex.js`, '-i', 'any', '--json', '--interval', '600']));
  await sockex.waitFor(() => sockex.stderr.includes('counting on'), 'sockex did not start');
  const swapped = ns.exec(process.execPath, [`${ROOT}dist/test/e2e/tools/tun-swap.js`, String(rounds), String(base)], 120_000);
  const runs = swapped.trim().split('\n').map((line) => JSON.parse(line) as { index: number; times: number[] });
  await sockex.stop();
  const last = sockex.stdout.trim().split('\n').at(-1) ?? '{}';
  const counters = (JSON.parse(last) as { counters: Counter[] }).counters.filter((c) => c.family === 'ipv4' && c.protocol === 17);
  const late: number[] = [];
  const bounds: string[] = [];
  let attributed = 0;
  for (const { index, times } of runs) {
    const old = counters.find((c) => c.ifindex === index && c.generation === undefined)?.packets ?? 0;
    const next = counters.find((c) => c.ifindex === index && c.generation === 2)?.packets ?? 0;
    const stray = old - 5;
    if (old + next === 5 + times.length) attributed += 1;
    late.push(stray);
    // The window closed after the last stray write and before the next one.
    bounds.push(stray === 0 ? `< ${times[0]} µs` : `${times[stray - 1]}-${times[stray]} µs`);
  }
  const withStray = late.filter((n) => n > 0).length;
  const firstWrites = runs.map((r) => r.times[0]!).sort((a, b) => a - b);
  console.log('| rounds | every frame counted | rounds with frames under the old interface | most such frames | first write after the delete (fastest, median) | window per round (first 10) |');
  console.log('|---:|---:|---:|---:|---:|---|');
  console.log(
    `| ${runs.length} | ${attributed} | ${withStray} | ${Math.max(...late)} | ${firstWrites[0]}, ${firstWrites[Math.floor(firstWrites.length / 2)]} µs | ${bounds.slice(0, 10).join(', ')} |`,
  );
} finally {
  deleteAllNamespaces();
}
