import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reading } from '../../src/model/counters.js';
import { Sampler, rate } from '../../src/model/sampler.js';
import { fakeClock } from './fake-clock.js';


const r = (protocol: number, bytes: bigint, packets: bigint, direction: 'tx' | 'rx' = 'tx', family: 'ipv4' | 'ipv6' | 'other' = 'ipv4'): Reading => ({
  interface: 'lo',
  ifindex: 1,
  direction,
  family,
  protocol,
  bytes,
  packets,
});

test('the first snapshot has counts but no rates yet', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  clock.advance(250);
  const s = sampler.sample([r(17, 100n, 2n)]);
  assert.equal(s.sequence, 1);
  assert.equal(s.elapsed, 0.25);
  assert.equal(s.interval, 0);
  assert.equal(s.counters[0]?.bytes, 100n);
  assert.equal(s.counters[0]?.bytesPerSecond, 0);
  assert.equal(s.counters[0]?.name, 'UDP');
});

test('rates are deltas over the measured interval, and new counters count from zero', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  sampler.sample([r(17, 100n, 2n)]);
  clock.advance(500);
  const s = sampler.sample([r(17, 1100n, 12n), r(6, 50n, 1n)]);
  assert.equal(s.interval, 0.5);
  const udp = s.counters.find((c) => c.protocol === 17);
  const tcp = s.counters.find((c) => c.protocol === 6);
  assert.equal(udp?.bytesPerSecond, 2000);
  assert.equal(udp?.packetsPerSecond, 20);
  assert.equal(tcp?.bytesPerSecond, 100);
});

test('snapshots are frozen and sorted: tx before rx, ipv4, ipv6, other, by protocol', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  const s = sampler.sample([r(0x806, 1n, 1n, 'rx', 'other'), r(58, 1n, 1n, 'tx', 'ipv6'), r(17, 1n, 1n, 'rx'), r(6, 1n, 1n, 'tx')]);
  assert.deepEqual(
    s.counters.map((c) => `${c.direction}/${c.family}/${c.protocol}`),
    ['tx/ipv4/6', 'tx/ipv6/58', 'rx/ipv4/17', 'rx/other/2054'],
  );
  assert.ok(Object.isFrozen(s));
  assert.ok(Object.isFrozen(s.counters));
  assert.throws(() => {
    (s.counters as unknown as unknown[]).push(1);
  });
});

test('huge counters keep exact values; rates are floating point', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  const big = 2n ** 63n + 12345n;
  sampler.sample([r(6, big, big)]);
  clock.advance(1000);
  const s = sampler.sample([r(6, big + 1000n, big + 1n)]);
  assert.equal(s.counters[0]?.bytes, big + 1000n);
  assert.equal(s.counters[0]?.bytesPerSecond, 1000);
  assert.equal(s.counters[0]?.packetsPerSecond, 1);
});

test('rate(): zero interval is 0, a counter that went backwards counts from zero', () => {
  assert.equal(rate(10n, 5n, 0), 0);
  assert.equal(rate(10n, 20n, 2), 5);
  assert.equal(rate(10n, undefined, 2), 5);
});
