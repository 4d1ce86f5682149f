import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTicker } from '../../src/session/ticker.js';
import { fakeTimers } from './fake-timers.js';

test('ticks land on a fixed grid even when each tick takes time', () => {
  const t = fakeTimers();
  const ticks: number[] = [];
  const busy = [30, 200, 0];
  startTicker(1000, (n) => {
    ticks.push(n);
    t.spend(busy[n - 1] ?? 0);
  }, t.timers);
  const times = [t.fire(), t.fire(), t.fire()];
  assert.deepEqual(times, [1000, 2000, 3000]);
  assert.deepEqual(ticks, [1, 2, 3]);
});

test('missed grid points are skipped, not fired in a burst', () => {
  const t = fakeTimers();
  const ticks: number[] = [];
  startTicker(1000, (n) => {
    ticks.push(n);
    if (n === 1) t.spend(3500); // the process stalled for 3.5 s inside the first tick
  }, t.timers);
  t.fire();
  assert.equal(t.fire(), 5000);
  assert.deepEqual(ticks, [1, 5]);
});

test('stop cancels the pending tick, and a stop inside a tick schedules no more', () => {
  const t = fakeTimers();
  const ticker = startTicker(100, () => ticker.stop(), t.timers);
  t.fire();
  assert.equal(t.pending, undefined);
  const t2 = fakeTimers();
  const other = startTicker(100, () => undefined, t2.timers);
  other.stop();
  assert.equal(t2.pending, undefined);
});
