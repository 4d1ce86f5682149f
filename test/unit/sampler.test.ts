import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERFLOW_PROTOCOL, compareCounters, counterKeyNumber, type CounterKey, type Reading } from '../../src/model/counters.js';
import { counterRead } from '../../src/model/counter-read.js';
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
  const s = sampler.sample(counterRead([r(17, 100n, 2n)]));
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
  sampler.sample(counterRead([r(17, 100n, 2n)]));
  clock.advance(500);
  const s = sampler.sample(counterRead([r(17, 1100n, 12n), r(6, 50n, 1n)]));
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
  const s = sampler.sample(counterRead([r(0x806, 1n, 1n, 'rx', 'other'), r(58, 1n, 1n, 'tx', 'ipv6'), r(17, 1n, 1n, 'rx'), r(6, 1n, 1n, 'tx')]));
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
  sampler.sample(counterRead([r(6, big, big)]));
  clock.advance(1000);
  const s = sampler.sample(counterRead([r(6, big + 1000n, big + 1n)]));
  assert.equal(s.counters[0]?.bytes, big + 1000n);
  assert.equal(s.counters[0]?.bytesPerSecond, 1000);
  assert.equal(s.counters[0]?.packetsPerSecond, 1);
});

test('rate(): zero interval is 0, a counter that went backwards counts from zero', () => {
  assert.equal(rate(10n, 5n, 0), 0);
  assert.equal(rate(10n, 20n, 2), 5);
  assert.equal(rate(10n, undefined, 2), 5);
});

test('an unchanged counter keeps its CounterSnapshot; with nothing changed the counters array is the same', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  const udp = r(17, 100n, 1n);
  const tcp = r(6, 60n, 1n);
  const first = sampler.sample(counterRead([udp, tcp]));
  clock.advance(1000);
  // The kernel layer hands on the same Reading while a counter stays put.
  const udpMoved = r(17, 300n, 3n);
  const second = sampler.sample(counterRead([udpMoved, tcp]));
  assert.notEqual(second.counters, first.counters);
  assert.equal(second.counters[0], first.counters[0], 'tcp (sorted first) did not move');
  assert.equal(second.counters[1]?.bytesPerSecond, 200);
  clock.advance(1000);
  // udp stopped: its rate drops to 0 (a new snapshot of it), tcp stays the same object.
  const third = sampler.sample(counterRead([udpMoved, tcp]));
  assert.equal(third.counters[1]?.bytesPerSecond, 0);
  assert.equal(third.counters[1]?.bytes, 300n);
  assert.equal(third.counters[0], first.counters[0]);
  clock.advance(1000);
  const fourth = sampler.sample(counterRead([udpMoved, tcp]));
  assert.equal(fourth.counters, third.counters, 'nothing changed: the same frozen array');
  assert.equal(fourth.sequence, 4);
  assert.equal(fourth.interval, 1);
});

test('equal counts in a new Reading object are still "unchanged"; a new counter is sorted in; one that skipped a sample counts from 0', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  sampler.sample(counterRead([r(17, 100n, 1n, 'rx'), r(6, 100n, 1n, 'rx')]));
  clock.advance(1000);
  const s2 = sampler.sample(counterRead([r(17, 100n, 1n, 'rx'), r(1, 84n, 1n, 'tx')]));
  assert.deepEqual(
    s2.counters.map((c) => `${c.direction}/${c.protocol}/${c.bytesPerSecond}`),
    ['tx/1/84', 'rx/17/0'],
  );
  clock.advance(2000);
  // tcp was missing from the last sample: its rate is over what it has, not over the sample before.
  const s3 = sampler.sample(counterRead([r(6, 300n, 3n, 'rx'), r(17, 100n, 1n, 'rx'), r(1, 84n, 1n, 'tx')]));
  assert.deepEqual(
    s3.counters.map((c) => `${c.direction}/${c.protocol}/${c.bytesPerSecond}`),
    ['tx/1/0', 'rx/6/150', 'rx/17/0'],
  );
});

test('the same read handed in again: the same counters while every rate is 0; rates after it are over the last interval only', () => {
  const clock = fakeClock();
  const sampler = new Sampler(['lo'], clock);
  const udp = r(17, 100n, 2n);
  const tcp = r(6, 10n, 1n);
  sampler.sample(counterRead([udp]));
  clock.advance(1000);
  // UDP moved: a rate. TCP is new.
  const moved = counterRead([r(17, 300n, 4n), tcp]);
  const first = sampler.sample(moved);
  assert.equal(first.counters.find((c) => c.protocol === 17)?.bytesPerSecond, 200);
  clock.advance(1000);
  // The same read: UDP's rate comes down to 0, so this one is walked and the counters change.
  const second = sampler.sample(moved);
  assert.notEqual(second.counters, first.counters);
  assert.deepEqual(second.counters.map((c) => c.bytesPerSecond), [0, 0]);
  const quiet: (typeof second.counters)[] = [];
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    const s = sampler.sample(moved);
    assert.equal(s.sequence, 3 + i + 1);
    assert.equal(s.interval, 1);
    quiet.push(s.counters);
  }
  assert.ok(quiet.every((counters) => counters === second.counters));
  // After the repeats, both counters were in the last sample: their rates are deltas over one second, not from 0.
  clock.advance(1000);
  const after = sampler.sample(counterRead([r(17, 350n, 5n), r(6, 30n, 2n)]));
  assert.deepEqual(
    after.counters.map((c) => [c.protocol, c.bytesPerSecond, c.packetsPerSecond]),
    [
      [6, 20, 1],
      [17, 50, 1],
    ],
  );
  // A counter missing from one sample after repeats counts from 0 again.
  clock.advance(1000);
  sampler.sample(counterRead([r(17, 350n, 5n)]));
  clock.advance(1000);
  const back = sampler.sample(counterRead([r(17, 350n, 5n), r(6, 40n, 3n)]));
  assert.equal(back.counters.find((c) => c.protocol === 6)?.bytesPerSecond, 40);
});

test('counterKeyNumber: one exact number per key, in compareCounters order, up to the largest ifindex and protocol', () => {
  const keys: CounterKey[] = [];
  for (const ifindex of [0, 1, 2, 2 ** 31 - 1]) {
    for (const direction of ['tx', 'rx'] as const) {
      for (const family of ['ipv4', 'ipv6', 'other'] as const) {
        for (const protocol of [0, 1, 255, 0xffff, OVERFLOW_PROTOCOL]) keys.push({ interface: 'lo', ifindex, direction, family, protocol });
      }
    }
  }
  const numbers = keys.map((k) => counterKeyNumber(k.ifindex, k.direction, k.family, k.protocol));
  assert.ok(numbers.every(Number.isSafeInteger));
  assert.equal(new Set(numbers).size, keys.length);
  // Built in compareCounters' order: the numbers ascend with it.
  assert.deepEqual([...keys].sort(compareCounters), keys);
  assert.deepEqual([...numbers].sort((a, b) => a - b), numbers);
});

test('two links that had one ifindex and one name (-i any, a generation apart) are two counters, in generation order', () => {
  const sampler = new Sampler(['any'], fakeClock());
  const first: Reading = { ...r(17, 500n, 5n), interface: 'va', ifindex: 600 };
  const second: Reading = { ...first, generation: 2, bytes: 70n, packets: 1n };
  sampler.sample(counterRead([first]));
  const s = sampler.sample(counterRead([second, first]));
  assert.deepEqual(
    s.counters.map((c) => [c.interface, c.ifindex, c.generation, c.bytes]),
    [
      ['va', 600, undefined, 500n],
      ['va', 600, 2, 70n],
    ],
  );
  assert.equal(s.counters[1]?.bytesPerSecond, 0, 'a new counter: no rate in its first sample');
});
