/**
 * The recent rates of every counter (protocol and breakdown), for the
 * dashboard: the sparklines, the rate it shows and sorts by (averaged over a
 * short window, so rows do not jump with every burst), and how long each
 * counter has been idle. A fixed-length window fed one snapshot at a time;
 * immutable like the snapshots it is made from, so a paused view can keep
 * the one it shows while the live one moves on.
 */
import { breakdownId, type BreakdownKey } from './breakdown.js';
import { counterId } from './counters.js';
import type { Snapshot } from './snapshot.js';

/** Enough for a sparkline across a wide terminal. */
export const DEFAULT_HISTORY_LENGTH = 120;
/**
 * The rate shown and sorted by is the average over this many seconds:
 * iftop's shortest column is 2 s, bandwhich redraws each second. Three
 * samples at the default interval smooth a TCP burst without hiding a new
 * flow for long.
 */
export const RATE_WINDOW_SECONDS = 3;
/** A counter with no traffic for this long is idle (a breakdown view folds it into "other"). */
export const IDLE_AFTER_SECONDS = 10;

/** A breakdown counter's id in the history (apart from the protocol counters' ids). */
export function breakdownHistoryId(k: BreakdownKey): string {
  return `by\0${breakdownId(k)}`;
}

export interface Rates {
  readonly bytesPerSecond: number;
  readonly packetsPerSecond: number;
}

interface Sample {
  /** Seconds the sample covers (the snapshot's interval). */
  readonly seconds: number;
  /** Only the counters that moved: the rest were at zero. */
  readonly rates: ReadonlyMap<string, Rates>;
}

const NO_RATES: Rates = { bytesPerSecond: 0, packetsPerSecond: 0 };

export class RateHistory {
  /** How many samples the window keeps. */
  readonly capacity: number;
  /** Oldest first. */
  private readonly samples: readonly Sample[];
  /** The snapshot last added, so adding it twice changes nothing. */
  private readonly lastSequence: number;
  /** Snapshot.elapsed of that snapshot. */
  private readonly now: number;
  /** By id: Snapshot.elapsed when the counter last moved (or first appeared). */
  private readonly lastActive: ReadonlyMap<string, number>;
  /**
   * One string per id, shared by every sample (and every history of the
   * chain: it only grows, never changes a meaning). Without it each sample
   * keeps its own copy of every id, the bulk of the memory with thousands
   * of breakdown counters.
   */
  private readonly ids: Map<string, string>;

  private constructor(capacity: number, samples: readonly Sample[], lastSequence: number, now: number, lastActive: ReadonlyMap<string, number>, ids: Map<string, string>) {
    this.capacity = capacity;
    this.samples = samples;
    this.lastSequence = lastSequence;
    this.now = now;
    this.lastActive = lastActive;
    this.ids = ids;
  }

  static empty(capacity = DEFAULT_HISTORY_LENGTH): RateHistory {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    return new RateHistory(capacity, [], 0, 0, new Map(), new Map());
  }

  /** Samples held, at most capacity. */
  get length(): number {
    return this.samples.length;
  }

  /**
   * A history with this snapshot's rates added (the oldest dropped when
   * full). The first snapshot of a run has no rate yet (interval 0): it is
   * not a sample of zero traffic, so it is left out, though the counters it
   * has are active from then.
   */
  with(snapshot: Snapshot): RateHistory {
    if (snapshot.sequence <= this.lastSequence) return this;
    const rates = new Map<string, Rates>();
    const lastActive = new Map(this.lastActive);
    const note = (key: string, moved: Rates): void => {
      let id = this.ids.get(key);
      if (id === undefined) this.ids.set(key, (id = key));
      // Every frame has a length: a counter moved when its bytes did. Only the two rates are kept, not the counter.
      if (moved.bytesPerSecond > 0) rates.set(id, { bytesPerSecond: moved.bytesPerSecond, packetsPerSecond: moved.packetsPerSecond });
      if (rates.has(id) || !lastActive.has(id)) lastActive.set(id, snapshot.elapsed);
    };
    for (const c of snapshot.counters) note(counterId(c), c);
    for (const c of snapshot.breakdown?.counters ?? []) note(breakdownHistoryId(c), c);
    if (snapshot.interval <= 0) return new RateHistory(this.capacity, this.samples, snapshot.sequence, snapshot.elapsed, lastActive, this.ids);
    const kept = this.samples.length >= this.capacity ? this.samples.slice(this.samples.length - this.capacity + 1) : this.samples;
    return new RateHistory(this.capacity, [...kept, { seconds: snapshot.interval, rates }], snapshot.sequence, snapshot.elapsed, lastActive, this.ids);
  }

  /** The same window with no samples: what comes after the last snapshot added starts it afresh. */
  emptied(): RateHistory {
    return new RateHistory(this.capacity, [], this.lastSequence, this.now, this.lastActive, this.ids);
  }

  /** One counter's bytes per second, oldest first, 0 where it had no traffic. */
  series(id: string): number[] {
    return this.samples.map((sample) => sample.rates.get(id)?.bytesPerSecond ?? 0);
  }

  /**
   * The sum of these counters' bytes per second, oldest first: one pass over
   * each sample, through the ids or through the sample's counters, whichever
   * is fewer (a total over thousands of breakdown counters).
   */
  sumOfSeries(ids: ReadonlySet<string>): number[] {
    return this.samples.map(({ rates }) => {
      let sum = 0;
      if (ids.size <= rates.size) {
        for (const id of ids) sum += rates.get(id)?.bytesPerSecond ?? 0;
      } else {
        for (const [id, r] of rates) if (ids.has(id)) sum += r.bytesPerSecond;
      }
      return sum;
    });
  }

  /**
   * A counter's rates averaged over the newest samples that cover `window`
   * seconds (a sample counts when at least half of it is inside; the newest
   * always does): the bytes of those intervals over their length. 0 with no
   * samples.
   */
  recent(id: string, window = RATE_WINDOW_SECONDS): Rates {
    let seconds = 0;
    let bytes = 0;
    let packets = 0;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const sample = this.samples[i] as Sample;
      if (seconds > 0 && seconds + sample.seconds / 2 > window) break;
      const rates = sample.rates.get(id) ?? NO_RATES;
      seconds += sample.seconds;
      bytes += rates.bytesPerSecond * sample.seconds;
      packets += rates.packetsPerSecond * sample.seconds;
    }
    return seconds > 0 ? { bytesPerSecond: bytes / seconds, packetsPerSecond: packets / seconds } : NO_RATES;
  }

  /** Seconds since the counter last moved, as of the last snapshot added (Infinity: never seen). */
  idleFor(id: string): number {
    const last = this.lastActive.get(id);
    return last === undefined ? Infinity : this.now - last;
  }
}
