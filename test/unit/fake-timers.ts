/**
 * Timers driven by hand, for anything that takes session/ticker.ts's Timers:
 * nothing waits for real time.
 */
import assert from 'node:assert/strict';
import type { Timers } from '../../src/session/ticker.js';

export function fakeTimers() {
  let now = 0;
  let pending: { at: number; fn: () => void } | undefined;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => (pending = { at: now + ms, fn }),
    clearTimeout: () => (pending = undefined),
  };
  return {
    timers,
    /** Run the pending timer at its time; returns that time. */
    fire() {
      const p = pending;
      assert.ok(p, 'a timer is pending');
      pending = undefined;
      now = Math.max(now, p.at);
      const at = now;
      p.fn();
      return at;
    },
    spend(ms: number) {
      now += ms;
    },
    get pending() {
      return pending;
    },
  };
}
