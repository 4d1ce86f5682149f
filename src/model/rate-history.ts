/**
 * The recent byte rates of every counter, for the dashboard's sparklines.
 * A fixed-length window fed one snapshot at a time; immutable like the
 * snapshots it is made from, so a paused view can keep the one it shows while
 * the live one moves on (adding copies references to the stored samples, never the samples).
 */
import { counterId } from './counters.js';
import type { Snapshot } from './snapshot.js';

/** Enough for a sparkline across a wide terminal. */
export const DEFAULT_HISTORY_LENGTH = 120;

export class RateHistory {
  /** How many samples the window keeps. */
  readonly capacity: number;
  /** Oldest first; each maps a counter id (counterId) to its bytes per second. */
  private readonly samples: readonly ReadonlyMap<string, number>[];
  /** The snapshot last added, so adding it twice changes nothing. */
  private readonly lastSequence: number;

  private constructor(capacity: number, samples: readonly ReadonlyMap<string, number>[], lastSequence: number) {
    this.capacity = capacity;
    this.samples = samples;
    this.lastSequence = lastSequence;
  }

  static empty(capacity = DEFAULT_HISTORY_LENGTH): RateHistory {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    return new RateHistory(capacity, [], 0);
  }

  /** Samples held, at most capacity. */
  get length(): number {
    return this.samples.length;
  }

  /**
   * A history with this snapshot's rates added (the oldest dropped when
   * full). The first snapshot of a run has no rate yet (interval 0): it is
   * not a sample of zero traffic, so it is left out.
   */
  with(snapshot: Snapshot): RateHistory {
    if (snapshot.interval <= 0 || snapshot.sequence <= this.lastSequence) return this;
    const rates = new Map<string, number>();
    for (const c of snapshot.counters) rates.set(counterId(c), c.bytesPerSecond);
    const kept = this.samples.length >= this.capacity ? this.samples.slice(this.samples.length - this.capacity + 1) : this.samples;
    return new RateHistory(this.capacity, [...kept, rates], snapshot.sequence);
  }

  /** The same window with no samples: what comes after the last snapshot added starts it afresh. */
  emptied(): RateHistory {
    return new RateHistory(this.capacity, [], this.lastSequence);
  }

  /** One counter's bytes per second, oldest first, 0 where it had no traffic yet. */
  series(id: string): number[] {
    return this.samples.map((rates) => rates.get(id) ?? 0);
  }
}
