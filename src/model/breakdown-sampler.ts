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

/** Turns cumulative breakdown readings into the snapshot's breakdown, with rates over the interval. */
export class BreakdownSampler {
  private readonly by: readonly BreakdownBy[];
  private readonly services: ServiceNames;
  /** Adds user names, cgroup paths, containers and exited marks to the owners (--by process, user, cgroup). */
  private readonly details: Pick<OwnerDetails, 'fill'> | undefined;
  private previous = new Map<string, BreakdownReading>();
  private readonly order = new BreakdownOrder();
  /** Split by port and host only: a key's id decides its place (owner details filled in later may move an owner's). */
  private readonly idsDecideOrder: boolean;
  /** The last readings and what they made, and whether every rate in it was 0. */
  private last: { readings: readonly BreakdownReading[]; breakdown: Breakdown; quiet: boolean } | undefined;

  constructor(by: readonly BreakdownBy[], services: ServiceNames = new ServiceNames(), details?: Pick<OwnerDetails, 'fill'>) {
    this.by = [...by];
    this.services = services;
    this.details = details;
    this.idsDecideOrder = by.every((b) => b === 'port' || b === 'host');
  }

  /** interval: seconds since the previous sample (0 for the first), as the protocol snapshot has it. */
  sample(readings: readonly BreakdownReading[], interval: number): Breakdown {
    // The same readings handed on (nothing moved) and no rate to bring down to 0: the same breakdown, no sort.
    if (this.last?.readings === readings && this.last.quiet) return this.last.breakdown;
    const current = new Map<string, BreakdownReading>();
    const filled = this.details ? this.details.fill(readings) : readings;
    const ids = filled.map(breakdownId);
    const order = this.order.of(filled, this.idsDecideOrder ? ids : undefined);
    const counters = order.map((index): BreakdownCounter => {
      const reading = filled[index]!;
      const id = ids[index]!;
      current.set(id, reading);
      const before = this.previous.get(id);
      const service = typeof reading.port === 'number' ? this.services.name(reading.protocol, reading.port) : undefined;
      return Object.freeze({
        ...reading,
        name: protocolName(reading.family, reading.protocol).name,
        ...(service === undefined ? {} : { service }),
        bytesPerSecond: rate(reading.bytes, before?.bytes, interval),
        packetsPerSecond: rate(reading.packets, before?.packets, interval),
      });
    });
    this.previous = current;
    const breakdown: Breakdown = Object.freeze({ by: this.by, counters: Object.freeze(counters) });
    this.last = { readings, breakdown, quiet: counters.every((c) => c.bytesPerSecond === 0 && c.packetsPerSecond === 0) };
    return breakdown;
  }
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
