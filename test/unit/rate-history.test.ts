import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterId } from '../../src/model/counters.js';
import type { BreakdownCounter } from '../../src/model/breakdown.js';
import { RateHistory, breakdownHistoryId } from '../../src/model/rate-history.js';
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

test('recent(): bytes and packets of the newest samples covering the window, over their length', () => {
  const moving = (bytesPerSecond: number): CounterSnapshot => ({ ...counter(17, bytesPerSecond), packetsPerSecond: bytesPerSecond / 100 });
  let history = RateHistory.empty(10);
  assert.deepEqual(history.recent(udp, 3), { bytesPerSecond: 0, packetsPerSecond: 0 }, 'no samples: no rate');
  history = history.with(snapshot(2, [moving(900)]));
  assert.deepEqual(history.recent(udp, 3), { bytesPerSecond: 900, packetsPerSecond: 9 }, 'fewer samples than the window: what there is');
  for (const [seq, rate] of [[3, 0], [4, 0], [5, 600]] as const) history = history.with(snapshot(seq, rate === 0 ? [] : [moving(rate)]));
  // The 900 is four seconds back: out of a 3 s window; 0 + 0 + 600 over 3 s.
  assert.deepEqual(history.recent(udp, 3), { bytesPerSecond: 200, packetsPerSecond: 2 });
  assert.deepEqual(history.recent(udp, 1), { bytesPerSecond: 600, packetsPerSecond: 6 });
  assert.deepEqual(history.recent(tcp, 3), { bytesPerSecond: 0, packetsPerSecond: 0 });
});

test('recent(): a sample counts when at least half of it is inside the window; the newest always does', () => {
  const timed = (sequence: number, interval: number, bytesPerSecond: number): Snapshot => ({ ...snapshot(sequence, [counter(17, bytesPerSecond)]), interval });
  // 0.2 s samples: a 3 s window takes exactly 15 of them.
  let history = RateHistory.empty(40);
  for (let seq = 2; seq <= 31; seq++) history = history.with(timed(seq, 0.2, seq <= 16 ? 1000 : 0));
  assert.equal(history.recent(udp, 3).bytesPerSecond, 0, 'the last 15 samples are quiet');
  history = history.with(timed(32, 0.2, 3000));
  assert.ok(Math.abs(history.recent(udp, 3).bytesPerSecond - 200) < 1e-9, '600 bytes over 3 s');
  // A 5 s interval is longer than the window: the last interval alone.
  assert.equal(history.with(timed(33, 5, 40)).recent(udp, 3).bytesPerSecond, 40);
});

test('idleFor(): seconds since a counter last moved, from its first appearance (even in the first snapshot)', () => {
  const at = (sequence: number, counters: CounterSnapshot[]): Snapshot => snapshot(sequence, counters);
  let history = RateHistory.empty(4).with(at(1, [counter(17, 0)]));
  assert.equal(history.idleFor(udp), 0, 'active from the first snapshot');
  assert.equal(history.idleFor(tcp), Infinity, 'never seen');
  history = history.with(at(2, [counter(17, 0)])).with(at(3, [counter(17, 0), counter(6, 10)]));
  assert.equal(history.idleFor(udp), 2);
  assert.equal(history.idleFor(tcp), 0);
  history = history.with(at(4, [counter(17, 5), counter(6, 0)]));
  assert.deepEqual([history.idleFor(udp), history.idleFor(tcp)], [0, 1]);
  // A reset empties the rates, not what the traffic did.
  const emptied = history.emptied();
  assert.deepEqual([emptied.length, emptied.idleFor(tcp), emptied.recent(udp).bytesPerSecond], [0, 1, 0]);
});

test('breakdown counters are kept too, under ids apart from the protocol counters', () => {
  const port53: BreakdownCounter = { ...counter(17, 70), family: 'ipv4', port: 53 };
  const history = RateHistory.empty(4).with({ ...snapshot(2, [counter(17, 100)]), breakdown: { by: ['port'], counters: [port53] } });
  assert.deepEqual(history.series(breakdownHistoryId(port53)), [70]);
  assert.deepEqual(history.series(udp), [100]);
  assert.notEqual(breakdownHistoryId(port53), udp);
});
