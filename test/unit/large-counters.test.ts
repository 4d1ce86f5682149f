/**
 * Counters past 2^32 and 2^53 stay exact from the map values to every
 * output: per-CPU summation, the sampler (cumulative counts and rates), the
 * sample lines and JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadingCache } from '../../src/kernel/maps/reading-cache.js';
import { entryMajor, sumPerCpu, sumPerCpuSmall, wordView } from '../../src/kernel/maps/layout.js';
import type { Reading } from '../../src/model/counters.js';
import { counterRead } from '../../src/model/counter-read.js';
import { Sampler } from '../../src/model/sampler.js';
import { fakeClock } from './fake-clock.js';
import { mapValues } from './map-values.js';
import { renderJson } from '../../src/render/json.js';
import { renderLines } from '../../src/render/lines.js';

const P32 = 2n ** 32n;
const P53 = 2n ** 53n;
const U64_MAX = 2n ** 64n - 1n;

test('sumPerCpu: sums past 2^53 and past 2^64 exactly', () => {
  const values = mapValues([
    [[0n, 0n], [0n, 0n], [0n, 0n], [0n, 0n]],
    [[P53 + 1n, P32], [P53 + 3n, P32 + 1n], [P32 + 5n, 1n], [U64_MAX, U64_MAX]],
  ]);
  assert.equal(sumPerCpu(values, 0, 4), undefined, 'all-zero entry');
  assert.deepEqual(sumPerCpu(values, 1, 4), {
    bytes: P53 + 1n + P53 + 3n + P32 + 5n + U64_MAX,
    packets: P32 + P32 + 1n + 1n + U64_MAX,
  });
});

test('sumPerCpu: a value whose low 32 bits are zero is not mistaken for zero', () => {
  const values = mapValues([[[P32, 0n], [0n, 0n]], [[0n, 0n], [0n, P32 * 7n]]]);
  assert.deepEqual(sumPerCpu(values, 0, 2), { bytes: P32, packets: 0n });
  assert.deepEqual(sumPerCpu(values, 1, 2), { bytes: 0n, packets: P32 * 7n });
});


const reading = (protocol: number, bytes: bigint, packets: bigint, family: Reading['family'] = 'ipv4'): Reading => ({
  interface: 'lo',
  ifindex: 1,
  direction: 'tx',
  family,
  protocol,
  bytes,
  packets,
});

test('sampler: huge cumulative counts pass through exactly, rates come from exact deltas', () => {
  const clock = fakeClock(0, 1_700_000_000_000);
  const sampler = new Sampler(['lo'], clock);
  const base = 2n ** 60n + 12345n;
  sampler.sample(counterRead([reading(6, base, P53 + 1n)]));
  clock.advance(2000);
  const s = sampler.sample(counterRead([reading(6, base + 4000n, P53 + 11n)]));
  const [tcp] = s.counters;
  assert.equal(tcp?.bytes, base + 4000n);
  assert.equal(tcp?.packets, P53 + 11n);
  // 4000 bytes in 2 s: a Number subtraction at 2^60 would lose this entirely.
  assert.equal(tcp?.bytesPerSecond, 2000);
  assert.equal(tcp?.packetsPerSecond, 5);
});

test('sample lines: TCP over IPv4 and IPv6 added past 2^64, digit for digit', () => {
  const sampler = new Sampler(['lo'], fakeClock(0, 1_700_000_000_000));
  const half = 2n ** 63n + 1n;
  const s = sampler.sample(counterRead([reading(6, half, 1n), reading(6, half, 1n, 'ipv6'), reading(17, P53 + 1n, 1n), reading(1, P32 + 1n, 1n)]));
  assert.equal(renderLines(s), `TCP ${2n * half} UDP ${P53 + 1n} ICMP ${P32 + 1n} bytes\n`);
  assert.equal(renderLines(s), 'TCP 18446744073709551618 UDP 9007199254740993 ICMP 4294967297 bytes\n');
});

test('JSON: counts past 2^53 written as exact integers', () => {
  const sampler = new Sampler(['lo'], fakeClock(0, 1_700_000_000_000));
  const s = sampler.sample(counterRead([reading(17, P53 + 1n, U64_MAX)]));
  const text = renderJson(s);
  assert.match(text, /"bytes":9007199254740993,"packets":18446744073709551615,/);
  // Still valid JSON (a reader with big-number support gets the digits back).
  assert.doesNotThrow(() => JSON.parse(text));
});

test('sumPerCpuSmall: doubles below 2^53, "large" from there (also for a high word with its top bit set), "zero" for nothing', () => {
  const values = mapValues([
    [[0n, 0n], [0n, 0n]],
    [[P32 * 3n + 7n, 2n], [5n, P32]],
    [[P53 - 2n, 1n], [1n, 1n]],
    [[P53 - 2n, 1n], [2n, 1n]],
    [[2n ** 63n, 1n], [0n, 0n]],
    [[1n, P53], [0n, 0n]],
  ]);
  const words = wordView(values)!;
  const out = new Float64Array(2);
  const sum = (entry: number): string => sumPerCpuSmall(words, entry, 2, entryMajor(2), out);
  assert.equal(sum(0), 'zero');
  assert.equal(sum(1), 'exact');
  assert.deepEqual([...out], [Number(P32 * 3n + 12n), Number(P32 + 2n)]);
  assert.equal(sum(2), 'exact', '2^53 - 1 is still exact');
  assert.equal(out[0], Number.MAX_SAFE_INTEGER);
  assert.equal(sum(3), 'large', 'a sum of 2^53');
  assert.equal(sum(4), 'large', '2^63: the high word is negative as an int32');
  assert.equal(sum(5), 'large', 'packets alone past the limit');
});

test('ReadingCache: an unchanged entry keeps its totals and reading; a change, or a key met elsewhere, is seen', () => {
  const cache = new ReadingCache<string>();
  const layout = entryMajor(2);
  const first = mapValues([[[100n, 1n], [50n, 1n]], [[P53, 1n], [P53, 1n]]]);
  const a = cache.update(7, first, 0, 2, layout)!;
  assert.deepEqual(a.totals, { bytes: 150n, packets: 2n });
  a.reading = 'made once';
  const big = cache.update(8, first, 1, 2, layout)!;
  assert.deepEqual(big.totals, { bytes: 2n * P53, packets: 2n });
  big.reading = 'big';

  // The same counts again, in a new buffer: same entry, same reading, no new BigInt.
  const again = mapValues([[[100n, 1n], [50n, 1n]], [[P53, 1n], [P53, 1n]]]);
  assert.equal(cache.update(7, again, 0, 2, layout), a);
  assert.equal(cache.update(8, again, 1, 2, layout)?.reading, 'big', 'exact past 2^53 too');

  // The map returned the entries in another order: found by key.
  const swapped = mapValues([[[P53, 1n], [P53, 1n]], [[100n, 1n], [50n, 1n]]]);
  assert.equal(cache.update(8, swapped, 0, 2, layout)?.reading, 'big');
  assert.equal(cache.update(7, swapped, 1, 2, layout)?.reading, 'made once');

  // New counts: new totals, and the reading must be made again.
  const moved = cache.update(7, mapValues([[[100n, 1n], [60n, 2n]]]), 0, 2, layout)!;
  assert.deepEqual(moved.totals, { bytes: 160n, packets: 3n });
  assert.equal(moved.reading, undefined);
  assert.equal(cache.update(9, mapValues([[[0n, 0n], [0n, 0n]]]), 0, 2, layout), undefined, 'zero on every CPU');
});
