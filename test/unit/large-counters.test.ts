/**
 * Counters past 2^32 and 2^53 stay exact from the map values to every
 * output: per-CPU summation, the sampler (cumulative counts and rates), the
 * sample lines and JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COUNTER_SIZE, sumPerCpu } from '../../src/kernel/layout.js';
import type { Reading } from '../../src/model/counters.js';
import { Sampler } from '../../src/model/sampler.js';
import { fakeClock } from './fake-clock.js';
import { renderJson } from '../../src/render/json.js';
import { renderLines } from '../../src/render/lines.js';

const P32 = 2n ** 32n;
const P53 = 2n ** 53n;
const U64_MAX = 2n ** 64n - 1n;

/** Per-CPU map values for consecutive entries: entries[e][cpu] = [bytes, packets]. */
function mapValues(entries: [bigint, bigint][][]): Buffer {
  const cpus = entries[0]?.length ?? 0;
  const buf = Buffer.alloc(entries.length * cpus * COUNTER_SIZE);
  entries.forEach((perCpu, e) =>
    perCpu.forEach(([bytes, packets], cpu) => {
      const off = (e * cpus + cpu) * COUNTER_SIZE;
      buf.writeBigUInt64LE(bytes, off);
      buf.writeBigUInt64LE(packets, off + 8);
    }),
  );
  return buf;
}

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
  sampler.sample([reading(6, base, P53 + 1n)]);
  clock.advance(2000);
  const s = sampler.sample([reading(6, base + 4000n, P53 + 11n)]);
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
  const s = sampler.sample([reading(6, half, 1n), reading(6, half, 1n, 'ipv6'), reading(17, P53 + 1n, 1n), reading(1, P32 + 1n, 1n)]);
  assert.equal(renderLines(s), `TCP ${2n * half} UDP ${P53 + 1n} ICMP ${P32 + 1n} bytes\n`);
  assert.equal(renderLines(s), 'TCP 18446744073709551618 UDP 9007199254740993 ICMP 4294967297 bytes\n');
});

test('JSON: counts past 2^53 written as exact integers', () => {
  const sampler = new Sampler(['lo'], fakeClock(0, 1_700_000_000_000));
  const s = sampler.sample([reading(17, P53 + 1n, U64_MAX)]);
  const text = renderJson(s);
  assert.match(text, /"bytes":9007199254740993,"packets":18446744073709551615\}/);
  // Still valid JSON (a reader with big-number support gets the digits back).
  assert.doesNotThrow(() => JSON.parse(text));
});
