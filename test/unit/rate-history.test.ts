import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterId } from '../../src/model/counters.js';
import { RateHistory } from '../../src/model/rate-history.js';
import type { CounterSnapshot, Snapshot } from '../../src/model/snapshot.js';

function counter(protocol: number, bytesPerSecond: number): CounterSnapshot {
  return { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol, name: `P${protocol}`, bytes: 1n, packets: 1n, bytesPerSecond, packetsPerSecond: 1 };
}

function snapshot(sequence: number, counters: CounterSnapshot[]): Snapshot {
  return { time: 0, elapsed: sequence - 1, interval: sequence === 1 ? 0 : 1, sequence, interfaces: ['lo'], counters };
}

const udp = counterId(counter(17, 0));
const tcp = counterId(counter(6, 0));

test('the first snapshot has no rate yet and is not recorded as zero traffic', () => {
  const history = RateHistory.empty(4).with(snapshot(1, [counter(17, 0)]));
  assert.equal(history.length, 0);
  assert.deepEqual(history.series(udp), []);
});

test('series are oldest first, 0 before a counter was seen', () => {
  let history = RateHistory.empty(4);
  history = history.with(snapshot(1, []));
  history = history.with(snapshot(2, [counter(17, 100)]));
  history = history.with(snapshot(3, [counter(17, 300), counter(6, 50)]));
  assert.deepEqual(history.series(udp), [100, 300]);
  assert.deepEqual(history.series(tcp), [0, 50]);
  assert.deepEqual(history.series('never seen'), [0, 0]);
});

test('the window keeps a fixed number of samples, dropping the oldest', () => {
  let history = RateHistory.empty(3);
  for (let seq = 2; seq <= 7; seq++) history = history.with(snapshot(seq, [counter(17, seq * 10)]));
  assert.equal(history.length, 3);
  assert.equal(history.capacity, 3);
  assert.deepEqual(history.series(udp), [50, 60, 70]);
});

test('adding returns a new history and leaves the old one as it was (a paused view keeps its copy)', () => {
  const before = RateHistory.empty(3).with(snapshot(2, [counter(17, 1)]));
  const after = before.with(snapshot(3, [counter(17, 2)]));
  assert.deepEqual(before.series(udp), [1]);
  assert.deepEqual(after.series(udp), [1, 2]);
});

test('the same snapshot added twice counts once', () => {
  const s = snapshot(2, [counter(17, 5)]);
  const history = RateHistory.empty(3).with(s).with(s);
  assert.deepEqual(history.series(udp), [5]);
});

test('a capacity below 1 is refused', () => {
  assert.throws(() => RateHistory.empty(0), RangeError);
  assert.throws(() => RateHistory.empty(1.5), RangeError);
});
