/**
 * "Unchanged" in types and at run time: a read's generation is new whenever
 * anything moved and the same only for the same read; what a read hands on
 * is frozen where it is built, so a reader cannot refill it behind the
 * sampler's back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handOn } from '../../src/kernel/maps/reading-cache.js';
import { CounterReads, counterRead, joinReads } from '../../src/model/counter-read.js';
import type { Reading } from '../../src/model/counters.js';

function udp(bytes: bigint, iface = 'lo'): Reading {
  return { interface: iface, ifindex: 1, direction: 'rx', family: 'ipv4', protocol: 17, bytes, packets: 1n };
}

test('counterRead: a new generation each time, its arrays frozen (not copied): refilling one throws', () => {
  const readings = [udp(100n)];
  const a = counterRead(readings);
  const b = counterRead(readings);
  assert.notEqual(a.generation, b.generation);
  assert.equal(a.readings, readings, 'the array handed in, frozen');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.breakdown));
  assert.throws(() => readings.push(udp(5n)), TypeError);
  assert.throws(() => (readings[0] = udp(200n)), TypeError);
  assert.deepEqual(a.breakdown, []);
});

test('CounterReads: the same arrays are the last read again; another array is a new read', () => {
  const reads = new CounterReads();
  const quiet = Object.freeze([udp(100n)]);
  const first = reads.of(quiet);
  assert.equal(reads.of(quiet), first);
  const moved = reads.of([udp(150n)]);
  assert.notEqual(moved.generation, first.generation);
  assert.deepEqual(moved.readings.map((r) => r.bytes), [150n]);
  const parts = [{ interface: 'lo', ifindex: 1, direction: 'rx', family: 'ipv4', protocol: 17, port: 53, bytes: 150n, packets: 1n }] as const;
  assert.notEqual(reads.of(moved.readings, parts), moved, 'a breakdown of its own: a new read');
});

test('handOn: the last array while every entry is the one it was; a moved, added or dropped entry is a new frozen one', () => {
  const a = udp(1n);
  const b = udp(2n, 'eth0');
  const last = handOn([], [a, b]);
  assert.ok(Object.isFrozen(last));
  assert.equal(handOn(last, [a, b]), last);
  const moved = handOn(last, [a, udp(3n, 'eth0')]);
  assert.notEqual(moved, last);
  assert.ok(Object.isFrozen(moved));
  assert.notEqual(handOn(last, [a, b, udp(4n, 'eth1')]), last);
  assert.notEqual(handOn(last, [a]), last);
  assert.notEqual(handOn(last, [b, a]), last, 'another order is another read');
});

test('joinReads: several sources are one read, the same while no part is a new read; one source is its own read', () => {
  const join = joinReads();
  const lo = counterRead([udp(100n)]);
  const eth0 = counterRead([udp(7n, 'eth0')], [{ interface: 'eth0', ifindex: 1, direction: 'rx', family: 'ipv4', protocol: 17, port: 53, bytes: 7n, packets: 1n }]);
  const both = join([lo, eth0]);
  assert.deepEqual(both.readings.map((r) => r.interface), ['lo', 'eth0']);
  assert.deepEqual(both.breakdown.map((b) => b.interface), ['eth0']);
  assert.ok(Object.isFrozen(both.readings) && Object.isFrozen(both.breakdown));
  assert.equal(join([lo, eth0]), both, 'neither moved');
  const moved = join([lo, counterRead([udp(9n, 'eth0')])]);
  assert.notEqual(moved.generation, both.generation);
  assert.deepEqual(moved.readings.map((r) => r.bytes), [100n, 9n]);
  assert.equal(joinReads()([lo]), lo);
});
