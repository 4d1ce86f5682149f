/**
 * One read of a counter source, as the session hands it to the sampler: the
 * protocol counters and, with --by, the breakdown taken with them.
 *
 * "Unchanged" is a number, not an identity: every read that found anything
 * moved gets a generation no read had before, and a source whose counts did
 * not move hands on its last read, generation and all. The arrays are frozen
 * where the read is built, so a read handed on can never have been changed
 * after the fact (a reader that reused and refilled an array would throw).
 */
import type { BreakdownReading, OwnersLost } from './breakdown.js';
import type { Reading } from './counters.js';

export interface CounterRead {
  /** Equal to another read's only if it is that read: nothing moved in between. */
  readonly generation: number;
  /** Every non-zero protocol counter, cumulative. Frozen. */
  readonly readings: readonly Reading[];
  /** With --by: the breakdown's counters, read with the protocol counters (empty otherwise). Frozen. */
  readonly breakdown: readonly BreakdownReading[];
  /** With --by process/user/cgroup: the owners_lost table, read with the counters (the hooks' one table, whichever filter read it). */
  readonly ownersLost?: OwnersLost;
}

const NO_BREAKDOWN: readonly BreakdownReading[] = Object.freeze([]);
let lastGeneration = 0;

/** A new read: a new generation, its arrays frozen (those handed in, not copies). */
export function counterRead(readings: readonly Reading[], breakdown: readonly BreakdownReading[] = NO_BREAKDOWN, ownersLost?: OwnersLost): CounterRead {
  const read = { generation: ++lastGeneration, readings: Object.freeze(readings), breakdown: Object.freeze(breakdown) };
  return Object.freeze(ownersLost ? { ...read, ownersLost } : read);
}

/**
 * The reads of one reader whose map layer hands on the same frozen array
 * while nothing moved: the last read again for the same arrays, else a new one.
 */
export class CounterReads {
  private last: CounterRead | undefined;
  /** What ofParts last made its read of. */
  private lastIn: { readings: readonly Reading[]; parts: readonly BreakdownReading[] } | undefined;

  of(readings: readonly Reading[], breakdown: readonly BreakdownReading[] = NO_BREAKDOWN): CounterRead {
    const last = this.last;
    if (last?.readings === readings && last.breakdown === breakdown) return last;
    return (this.last = counterRead(readings, breakdown));
  }

  /**
   * A breakdown filter's read, made whole by combine (PartsTotals) from what
   * its maps handed on: the last read again while both are the arrays they
   * were, so a quiet table costs no walk downstream either.
   */
  ofParts(
    readings: readonly Reading[],
    parts: readonly BreakdownReading[],
    combine: (readings: readonly Reading[], parts: readonly BreakdownReading[]) => { readings: Reading[]; breakdown: BreakdownReading[] },
  ): CounterRead {
    if (this.last && readings === this.lastIn?.readings && parts === this.lastIn.parts) return this.last;
    this.lastIn = { readings, parts };
    const whole = combine(readings, parts);
    return (this.last = counterRead(whole.readings, whole.breakdown));
  }
}

/**
 * Several sources' reads as one (in the order of the sources): the last
 * joined read again while every part is the read it was, else a new one.
 */
export function joinReads(): (parts: readonly CounterRead[]) => CounterRead {
  let lastParts: readonly CounterRead[] = [];
  let last: CounterRead | undefined;
  return (parts) => {
    if (parts.length === 1) return parts[0]!;
    if (last && parts.length === lastParts.length && parts.every((part, i) => part.generation === lastParts[i]!.generation)) return last;
    lastParts = parts;
    return (last = counterRead(
      parts.flatMap((part) => part.readings),
      parts.flatMap((part) => part.breakdown),
      // Every filter reads the same hooks' table: one of them says it.
      parts.find((part) => part.ownersLost)?.ownersLost,
    ));
  };
}
