/**
 * The series budget of the breakdown metrics (--max-series, --series-idle):
 * which port/host/owner keys get a Prometheus series of their own, and what every
 * series counts, sample after sample.
 *
 * Why a budget: every distinct label set is a series the Prometheus server
 * indexes and keeps in memory for hours; ports and hosts are unbounded (a
 * port scan, a busy NAT), and label cardinality is what brings a server down.
 *
 * The rules, each keeping every exported counter monotonic:
 * - At most `maxSeries` keys, across all devices, hold a series of their own.
 *   Everything else of a (device, direction, family, protocol) is counted in
 *   one series whose port and/or host is "other".
 * - Each series counts the bytes of the samples in which it was the key's
 *   place: a key's series grows while it holds it; "other" grows by the
 *   bytes of every key without one. So no byte is ever counted in two
 *   series, none is ever taken away, and sum(rate(...)) over the series is
 *   the protocol's rate.
 * - A key keeps its series while it is active; one idle (no new bytes) for
 *   `idleSeconds` loses it: its series ends, and its later bytes go to
 *   "other". If it gets a place again, its series goes on from where it
 *   ended.
 * - Places free go, in each sample, to the busiest keys of that sample
 *   without one (most bytes since the last sample), so a new talker gets in.
 * - A device with no readings for `idleSeconds` (gone: its counters are no
 *   longer read) has its series removed, "other" included; one of that
 *   name later starts afresh.
 *
 * Time is the snapshot's `elapsed` (seconds since attach, the sampler's
 * monotonic clock), so tests drive it with a fake clock.
 */
import { BreakdownOrder } from './breakdown-order.js';
import { OTHER, breakdownId, type BreakdownKey, type BreakdownReading } from './breakdown.js';
import { FULL, type ProcessOwner } from './owners.js';

/** Port/host keys with a series of their own unless --max-series says otherwise. */
export const DEFAULT_MAX_SERIES = 100;
/** Seconds without new bytes before a key loses its series (and a gone device its series), unless --series-idle says otherwise: Prometheus's own lookback (5 minutes). */
export const DEFAULT_SERIES_IDLE_SECONDS = 300;

export interface SeriesBudgetOptions {
  maxSeries: number;
  idleSeconds: number;
}

/** One exported series: its labels (series are per device name, so ifindex is 0) and its counts. */
export interface BudgetSeries {
  readonly key: BreakdownKey;
  readonly bytes: bigint;
  readonly packets: bigint;
}

interface SeriesState {
  readonly key: BreakdownKey;
  bytes: bigint;
  packets: bigint;
  /** An own series: whether it holds a place now (an "other" series always exports). */
  holding: boolean;
  /** When it last grew, in elapsed seconds. */
  lastActive: number;
}

const NOTHING = { bytes: 0n, packets: 0n } as const;

interface Delta {
  readonly key: BreakdownKey;
  bytes: bigint;
  packets: bigint;
}

export class SeriesBudget {
  private readonly options: SeriesBudgetOptions;
  /** The last cumulative reading of each kernel key (ifindex included). */
  private previous = new Map<string, Pick<BreakdownReading, 'bytes' | 'packets'>>();
  /** The last readings folded, and their devices: the same (frozen) array again means no count moved. */
  private lastReadings: { readings: readonly BreakdownReading[]; devices: ReadonlySet<string> } | undefined;
  /** Every series by its labels: own ones (holding or not) and "other" ones. */
  private readonly series = new Map<string, SeriesState>();
  private holders = 0;
  /** When each device last had a reading. */
  private readonly devices = new Map<string, number>();
  private exported: readonly BudgetSeries[] = [];
  private readonly order = new BreakdownOrder();
  /** Something other than counts changed (a place given or taken, a device forgotten): the exported list is made again. */
  private exportedStale = true;

  constructor(options: SeriesBudgetOptions) {
    this.options = options;
  }

  /** The series to export after these cumulative readings, taken at `now` (elapsed seconds). Call with every sample, in order. */
  fold(readings: readonly BreakdownReading[], now: number): readonly BudgetSeries[] {
    const deltas = this.deltas(readings, now);
    this.release(deltas, now);
    this.forgetGoneDevices(now);
    this.promote(deltas, now);
    let changed = false;
    for (const [id, delta] of deltas) {
      if (delta.bytes === 0n && delta.packets === 0n) continue;
      const own = this.series.get(id);
      const target = own?.holding === true ? own : this.otherOf(delta.key);
      target.bytes += delta.bytes;
      target.packets += delta.packets;
      target.lastActive = now;
      changed = true;
    }
    if (changed || this.exportedStale) this.exported = this.snapshot();
    this.exportedStale = false;
    return this.exported;
  }

  /** What each series key (ifindex left out) gained since the last sample; notes which devices are here. */
  private deltas(readings: readonly BreakdownReading[], now: number): Map<string, Delta> {
    // Readings handed on (a quiet table, thousands of keys): nothing gained, so no walk; their devices are still here.
    if (readings === this.lastReadings?.readings && Object.isFrozen(readings)) {
      for (const device of this.lastReadings.devices) this.devices.set(device, now);
      return new Map();
    }
    const devices = new Set<string>();
    const current = new Map<string, BreakdownReading>();
    const deltas = new Map<string, Delta>();
    for (const r of readings) {
      const readingId = breakdownId(r);
      current.set(readingId, r);
      devices.add(r.interface);
      const before = this.previous.get(readingId);
      // A counter that went backwards was made again (a new map): all of it is new.
      const counted = before !== undefined && before.bytes <= r.bytes ? before : NOTHING;
      const key = seriesKey(r);
      const id = seriesId(key);
      let delta = deltas.get(id);
      if (!delta) deltas.set(id, (delta = { key, bytes: 0n, packets: 0n }));
      delta.bytes += r.bytes - counted.bytes;
      delta.packets += r.packets - counted.packets;
    }
    this.previous = current;
    for (const device of devices) this.devices.set(device, now);
    this.lastReadings = { readings, devices };
    return deltas;
  }

  /** Keys idle for idleSeconds (and not active in this sample) give their place up. */
  private release(deltas: ReadonlyMap<string, Delta>, now: number): void {
    // forEach, not for...of: these walks run every sample over thousands of entries, and each [key, value] pair would be an allocation.
    this.series.forEach((s, id) => {
      if (s.holding && now - s.lastActive >= this.options.idleSeconds && (deltas.get(id)?.bytes ?? 0n) === 0n) {
        s.holding = false;
        this.holders -= 1;
        this.exportedStale = true;
      }
    });
  }

  /** Devices without a reading for idleSeconds: their series go. */
  private forgetGoneDevices(now: number): void {
    this.devices.forEach((seen, device) => {
      if (now - seen < this.options.idleSeconds) return;
      this.devices.delete(device);
      for (const [id, s] of this.series) {
        if (s.key.interface !== device) continue;
        if (s.holding) this.holders -= 1;
        this.series.delete(id);
      }
      this.exportedStale = true;
    });
  }

  /** Free places to the keys without one that gained the most bytes in this sample. */
  private promote(deltas: ReadonlyMap<string, Delta>, now: number): void {
    const free = this.options.maxSeries - this.holders;
    if (free <= 0) return;
    const candidates: [string, Delta][] = [];
    for (const [id, delta] of deltas) {
      if (delta.bytes === 0n || isOverflow(delta.key) || this.series.get(id)?.holding === true) continue;
      candidates.push([id, delta]);
    }
    candidates.sort(([aId, a], [bId, b]) => (a.bytes !== b.bytes ? (a.bytes > b.bytes ? -1 : 1) : aId < bId ? -1 : 1));
    for (const [id, delta] of candidates.slice(0, free)) {
      const s = this.series.get(id);
      if (s) s.holding = true;
      else this.series.set(id, { key: delta.key, bytes: 0n, packets: 0n, holding: true, lastActive: now });
      this.holders += 1;
      this.exportedStale = true;
    }
  }

  /** The "other" series of this key's device, direction, family and protocol (made at 0 when first needed). */
  private otherOf(key: BreakdownKey): SeriesState {
    const otherKey = asOther(key);
    const id = seriesId(otherKey);
    let s = this.series.get(id);
    if (!s) {
      this.series.set(id, (s = { key: otherKey, bytes: 0n, packets: 0n, holding: false, lastActive: 0 }));
      this.exportedStale = true;
    }
    return s;
  }

  private snapshot(): readonly BudgetSeries[] {
    const states: SeriesState[] = [];
    for (const s of this.series.values()) if (s.holding || isOverflow(s.key)) states.push(s);
    // A series' key never changes: the same states in the same places are in the same order.
    const keys = states.map((s) => s.key);
    return this.order.of(keys, states).map((i) => ({ key: keys[i]!, bytes: states[i]!.bytes, packets: states[i]!.packets }));
  }
}

/** The labels of a reading: its key without counts, per device name (ifindex 0). */
function seriesKey(r: BreakdownReading): BreakdownKey {
  return {
    interface: r.interface,
    ifindex: 0,
    direction: r.direction,
    family: r.family,
    protocol: r.protocol,
    ...(r.port === undefined ? {} : { port: r.port }),
    ...(r.host === undefined ? {} : { host: r.host }),
    ...(r.process === undefined ? {} : { process: typeof r.process === 'string' ? r.process : seriesProcess(r.process) }),
    ...(r.user === undefined ? {} : { user: r.user }),
    ...(r.cgroup === undefined ? {} : { cgroup: r.cgroup }),
  };
}

/**
 * A series' identity: its labels. A cgroup goes by its path where it has
 * one: a service restarted gets a new cgroup (a new id) at the same path,
 * and must not make a second series with the same labels.
 */
function seriesId(key: BreakdownKey): string {
  const { cgroup, ...rest } = key;
  return typeof cgroup === 'object' && cgroup.path !== undefined ? `${breakdownId(rest)}\0${cgroup.path}` : breakdownId(key);
}

/**
 * A process as a series knows it: command and user, pid 0. Series have no
 * pid label (a new pid is a new series: cardinality), so the processes of
 * one command and uid are one series, and an exit changes nothing.
 */
function seriesProcess(p: ProcessOwner): ProcessOwner {
  return { pid: 0, command: p.command, uid: p.uid, ...(p.user === undefined ? {} : { user: p.user }) };
}

function isOverflow(k: BreakdownKey): boolean {
  return k.port === OTHER || k.host === OTHER || k.process === FULL || k.user === FULL || k.cgroup === FULL;
}

/** The same key with what it is split by (port, host, owner) replaced by "other". */
function asOther(k: BreakdownKey): BreakdownKey {
  return {
    ...k,
    ...(k.port === undefined ? {} : { port: OTHER }),
    ...(k.host === undefined ? {} : { host: OTHER }),
    ...(k.process === undefined ? {} : { process: FULL }),
    ...(k.user === undefined ? {} : { user: FULL }),
    ...(k.cgroup === undefined ? {} : { cgroup: FULL }),
  };
}
