/**
 * A clock the test moves by hand: the sampler's arithmetic without waiting.
 */
import type { Clock } from '../../src/model/sampler.js';

export type FakeClock = Clock & { advance(ms: number): void };

/** Starts at the given monotonic and wall-clock milliseconds; advance() moves both. */
export function fakeClock(monotonic = 1000, wall = Date.UTC(2026, 10, 22, 12, 0, 0)): FakeClock {
  let mono = monotonic;
  let wallNow = wall;
  return {
    monotonic: () => mono,
    wall: () => wallNow,
    advance(ms: number) {
      mono += ms;
      wallNow += ms;
    },
  };
}
