/**
 * What a sample covers, on the bundled bin in a fresh namespace: with
 * --count every sample closes an interval (so -c 1 answers with one
 * interval's traffic), without it the first comes at attach; and the JSON
 * rates are, per counter and per breakdown counter, what was counted since
 * the previous sample over the "interval" printed beside them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { killOnEnd } from './cli-run.js';
import { PING4_FRAME, udp4Frame } from './frames.js';
import { NetNs, requireRoot, startSockex, waitFor, type JsonCounter, type JsonSample } from './harness.js';

test('-i any -c 1 --json: one sample, one interval after attach, with that interval\'s traffic and its rates', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'once');
  const sockex = killOnEnd(t, await startSockex(ns, ['-i', 'any', '-c', '1', '--json', '--interval', '2']));
  ns.exec('ping', ['-4', '-q', '-c', '1', '127.0.0.1']);
  assert.equal(await sockex.exit(), ExitCode.ok, sockex.stderr);
  const samples = sockex.samples();
  assert.equal(samples.length, 1, sockex.stdout);
  const [sample] = samples as [JsonSample];
  // The interval runs from the reading at attach: ping's two frames, each seen sent and received on lo.
  assert.ok(sample.interval > 0 && sample.elapsed >= sample.interval, `interval ${sample.interval}, elapsed ${sample.elapsed}`);
  const icmp = (direction: 'tx' | 'rx'): Omit<JsonCounter, 'bytesPerSecond' | 'packetsPerSecond'> => ({
    interface: 'lo', ifindex: 1, direction, family: 'ipv4', protocol: 1, name: 'ICMP', bytes: 2 * PING4_FRAME, packets: 2,
  });
  assert.deepEqual(
    sample.counters.map(({ bytesPerSecond: _b, packetsPerSecond: _p, ...count }) => count),
    [icmp('tx'), icmp('rx')],
  );
  for (const c of sample.counters) assertRatesCover(c, undefined, sample.interval);
});

test('--plain -c 2: two lines, each at the end of an interval, the first with what was sent after attach', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'twice');
  const sockex = killOnEnd(t, await startSockex(ns, ['lo', '--plain', '-c', '2', '--interval', '1']));
  ns.exec('ping', ['-4', '-q', '-c', '1', '127.0.0.1']);
  assert.equal(await sockex.exit(), ExitCode.ok, sockex.stderr);
  assert.equal(sockex.stdout, `TCP 0 UDP 0 ICMP ${2 * PING4_FRAME} bytes\n`.repeat(2));
});

test('without --count the first sample is taken at attach: interval 0, nothing counted yet, rates 0', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'first');
  const sockex = killOnEnd(t, await startSockex(ns, ['lo', '--json', '--interval', '60']));
  await waitFor(() => sockex.stdout.includes('\n'), 10_000, () => `no first sample: ${sockex.stderr}`);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
  const [first] = sockex.samples();
  assert.deepEqual([first?.interval, first?.counters], [0, []]);
});

test('JSON rates: per counter and per breakdown counter, rate x interval is what it counted since the previous sample', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'rates');
  const sockex = killOnEnd(t, await startSockex(ns, ['lo', '--by', 'port', '--json', '--interval', '0.3']));
  // Three bursts of different sizes, each waited for in a sample, so intervals differ.
  for (const [round, sizes] of [['1', '100,200'], ['2', '1000'], ['3', '10,20,30,40']] as const) {
    ns.tool('udp', ['4', sizes, String(5300 + Number(round))]);
    const payload = sizes.split(',').reduce((sum, size) => sum + udp4Frame(Number(size)), 0);
    await waitFor(() => sockex.stdout.includes(`"port":${5300 + Number(round)},`) && sockex.stdout.endsWith('\n'), 10_000, () => `burst ${round} (${payload} B) never shown`);
  }
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
  const samples = sockex.samples();
  let moving = 0;
  for (const [i, sample] of samples.entries()) {
    const before = samples[i - 1];
    for (const c of sample.counters) moving += assertRatesCover(c, before?.counters.find((b) => sameKey(b, c)), sample.interval);
    for (const c of sample.breakdown?.counters ?? []) {
      moving += assertRatesCover(c, before?.breakdown?.counters.find((b) => sameKey(b, c) && b.port === c.port), sample.interval);
    }
  }
  // Each burst's UDP counter and its port's breakdown counter, each way, at least once.
  assert.ok(moving >= 3 * 4, `${moving} counters moved`);
});

function sameKey(a: JsonCounter, b: JsonCounter): boolean {
  return a.ifindex === b.ifindex && a.direction === b.direction && a.family === b.family && a.protocol === b.protocol;
}

/**
 * The counter's rates times the interval give back, to the byte and the
 * packet, what it counted since `before` (absent: since attach). Rates are
 * printed to a thousandth and the interval to a microsecond, both far inside
 * the half byte that rounding allows here. Returns 1 if the counter moved.
 */
function assertRatesCover(c: JsonCounter, before: JsonCounter | undefined, interval: number): number {
  const bytes = c.bytes - (before?.bytes ?? 0);
  const packets = c.packets - (before?.packets ?? 0);
  if (interval === 0) {
    assert.deepEqual([c.bytesPerSecond, c.packetsPerSecond], [0, 0], 'no rate without an interval');
    return 0;
  }
  assert.equal(Math.round(c.bytesPerSecond * interval), bytes, `bytes/s of ${JSON.stringify(c)} over ${interval} s`);
  assert.equal(Math.round(c.packetsPerSecond * interval), packets, `packets/s of ${JSON.stringify(c)} over ${interval} s`);
  return bytes > 0 ? 1 : 0;
}
