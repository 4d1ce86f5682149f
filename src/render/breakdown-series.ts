/**
 * The bound on breakdown series for Prometheus: each device exports at most
 * `perDevice` port/host series; everything else of a (direction, family,
 * protocol) is summed into one series labelled "other".
 *
 * Why a bound: every distinct label set is a series the Prometheus server
 * indexes and keeps in memory for hours; ports and hosts are unbounded (a
 * port scan, a busy NAT), and label cardinality is what brings a server down.
 *
 * Why "first seen" and not "largest now": Prometheus counters must never go
 * down. If a key could move between its own series and "other", "other" would
 * drop when it left, which Prometheus reads as a counter reset. So a key gets
 * its own series when it first appears (the largest first, when several
 * appear in one sample) while the device has room, and keeps it for the rest
 * of the run; a key that arrives when the device is full is summed into
 * "other" for good. Each series only ever grows.
 */
import { OTHER, breakdownId, type BreakdownCounter } from '../model/breakdown.js';

/** Port/host series per device unless told otherwise. */
const DEFAULT_SERIES_PER_DEVICE = 20;

export interface BoundedSeries {
  /** The counter's labels as exported: its own key, or port/host "other". */
  readonly key: BreakdownCounter;
  readonly bytes: bigint;
  readonly packets: bigint;
}

export class SeriesBound {
  private readonly perDevice: number;
  /** Per device: the ids that have their own series. */
  private readonly chosen = new Map<string, Set<string>>();
  /** Ids seen so far (chosen or not). */
  private readonly seen = new Set<string>();

  constructor(perDevice = DEFAULT_SERIES_PER_DEVICE) {
    this.perDevice = perDevice;
  }

  /** The series to export for these counters (call with every snapshot, in order). */
  fold(counters: readonly BreakdownCounter[]): BoundedSeries[] {
    const arrivals = counters.filter((c) => !this.seen.has(breakdownId(c)) && !isOverflow(c));
    arrivals.sort((a, b) => (a.bytes === b.bytes ? 0 : a.bytes > b.bytes ? -1 : 1));
    for (const c of arrivals) {
      const id = breakdownId(c);
      this.seen.add(id);
      let device = this.chosen.get(c.interface);
      if (!device) this.chosen.set(c.interface, (device = new Set()));
      if (device.size < this.perDevice) device.add(id);
    }
    const out = new Map<string, { key: BreakdownCounter; bytes: bigint; packets: bigint }>();
    for (const c of counters) {
      const own = this.chosen.get(c.interface)?.has(breakdownId(c)) === true;
      const key = own ? c : asOther(c);
      const id = breakdownId(key);
      const series = out.get(id);
      if (series) {
        series.bytes += c.bytes;
        series.packets += c.packets;
      } else {
        out.set(id, { key, bytes: c.bytes, packets: c.packets });
      }
    }
    return [...out.values()];
  }
}

function isOverflow(c: BreakdownCounter): boolean {
  return c.port === OTHER || c.host === OTHER;
}

/** The same counter with its port and/or host replaced by "other". */
function asOther(c: BreakdownCounter): BreakdownCounter {
  const { service: _service, ...rest } = c;
  return { ...rest, ...(c.port === undefined ? {} : { port: OTHER }), ...(c.host === undefined ? {} : { host: OTHER }) };
}
