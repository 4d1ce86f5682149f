/**
 * Turns the breakdown filter's cumulative readings into a snapshot's
 * breakdown: protocol and service names, rates over the interval.
 */
import { BreakdownOrder } from './breakdown-order.js';
import { breakdownId, type Breakdown, type BreakdownBy, type BreakdownCounter, type BreakdownReading } from './breakdown.js';
import type { CounterRead } from './counter-read.js';
import type { OwnerDetails } from './owner-details.js';
import { protocolName } from './protocols.js';
import { rate } from './sampler.js';
import { ServiceNames } from './services.js';
import type { Snapshot } from './snapshot.js';

/** What the sampler keeps of one key between samples. */
interface Tracked {
  reading: BreakdownReading;
  counter: BreakdownCounter;
  /** The last sample that had it. */
  seen: number;
}

/** Turns cumulative breakdown readings into the snapshot's breakdown, with rates over the interval. */
export class BreakdownSampler {
  private readonly by: readonly BreakdownBy[];
  private readonly services: ServiceNames;
  /** Adds user names, cgroup paths, containers and exited marks to the owners (--by process, user, cgroup). */
  private readonly details: Pick<OwnerDetails, 'fill'> | undefined;
  /** Every key of the last sample, by breakdownId. */
  private readonly tracked = new Map<string, Tracked>();
  private sequence = 0;
  private readonly order = new BreakdownOrder();
  /** The last readings and what they made, and whether every rate in it was 0. */
  private last: { readings: readonly BreakdownReading[]; breakdown: Breakdown; quiet: boolean } | undefined;

  constructor(by: readonly BreakdownBy[], services: ServiceNames = new ServiceNames(), details?: Pick<OwnerDetails, 'fill'>) {
    this.by = [...by];
    this.services = services;
    this.details = details;
  }

  /**
   * interval: seconds since the previous sample (0 for the first), as the
   * protocol snapshot has it. A key whose reading is the one it had and whose
   * rates were already 0 keeps its counter object: with thousands of keys and
   * a few moving, a sample makes objects for the few.
   */
  sample(readings: readonly BreakdownReading[], interval: number): Breakdown {
    // The same readings handed on (nothing moved) and no rate to bring down to 0: the same breakdown, no sort.
    if (this.last?.readings === readings && this.last.quiet) return this.last.breakdown;
    const sequence = ++this.sequence;
    const filled = this.details ? this.details.fill(readings) : readings;
    const ids = filled.map((reading) => breakdownId(reading));
    const order = this.order.of(filled, this.placesDecidedBy(filled, ids));
    let quiet = true;
    const counters = order.map((index): BreakdownCounter => {
      const reading = filled[index]!;
      const id = ids[index]!;
      let tracked = this.tracked.get(id);
      // A key the last sample did not have counts from 0.
      const before = tracked?.seen === sequence - 1 ? tracked.reading : undefined;
      let counter = tracked?.counter;
      if (!counter || before !== reading || !isQuiet(counter)) {
        counter = this.counterOf(reading, before, interval);
        breakdownId.remember(counter, id);
      }
      quiet &&= isQuiet(counter);
      if (!tracked) this.tracked.set(id, (tracked = { reading, counter, seen: sequence }));
      tracked.reading = reading;
      tracked.counter = counter;
      tracked.seen = sequence;
      return counter;
    });
    // Keys no longer read (a link gone): forgotten, so the map stays as small as the kernel's table.
    if (this.tracked.size > filled.length) this.tracked.forEach((t, id) => void (t.seen !== sequence && this.tracked.delete(id)));
    const breakdown: Breakdown = Object.freeze({ by: this.by, counters: Object.freeze(counters) });
    this.last = { readings, breakdown, quiet };
    return breakdown;
  }

  /**
   * What decides each key's place in sortBreakdown's order: its id, and with
   * owner details (a cgroup's path sorts it) the owner object fill gave it,
   * the same object while its details are (OwnerDetails), side by side.
   */
  private placesDecidedBy(filled: readonly BreakdownReading[], ids: readonly string[]): readonly unknown[] {
    if (!this.details) return ids;
    const out: unknown[] = new Array<unknown>(2 * filled.length);
    for (let i = 0; i < filled.length; i++) {
      const r = filled[i]!;
      out[2 * i] = ids[i];
      out[2 * i + 1] = r.process ?? r.user ?? r.cgroup;
    }
    return out;
  }

  private counterOf(reading: BreakdownReading, before: BreakdownReading | undefined, interval: number): BreakdownCounter {
    const service = typeof reading.port === 'number' ? this.services.name(reading.protocol, reading.port) : undefined;
    return Object.freeze({
      ...reading,
      name: protocolName(reading.family, reading.protocol).name,
      ...(service === undefined ? {} : { service }),
      bytesPerSecond: rate(reading.bytes, before?.bytes, interval),
      packetsPerSecond: rate(reading.packets, before?.packets, interval),
    });
  }
}

function isQuiet(c: BreakdownCounter): boolean {
  return c.bytesPerSecond === 0 && c.packetsPerSecond === 0;
}

/** The snapshot with its breakdown beside the protocol counters (frozen like the rest). */
export function withBreakdown(snapshot: Snapshot, breakdown: Breakdown): Snapshot {
  return Object.freeze({ ...snapshot, breakdown });
}

/**
 * A sampler whose snapshots carry the breakdown too: the one each read took
 * with its protocol counters (the filter reads the two maps again until they
 * agree, a few times at most: see kernel/filters/breakdown-filter.ts).
 */
export function sampleWithBreakdown(
  protocols: { sample(read: CounterRead): Snapshot },
  by: readonly BreakdownBy[],
  details?: Pick<OwnerDetails, 'fill'>,
): { sample(read: CounterRead): Snapshot } {
  const breakdown = new BreakdownSampler(by, undefined, details);
  return {
    sample(read) {
      const snapshot = protocols.sample(read);
      const sampled = breakdown.sample(read.breakdown, snapshot.interval);
      const lost = read.ownersLost;
      // Absent while nothing was lost: most runs never see it.
      return withBreakdown(snapshot, lost && lost.flows + lost.bound > 0 ? Object.freeze({ ...sampled, ownersLost: lost }) : sampled);
    },
  };
}
