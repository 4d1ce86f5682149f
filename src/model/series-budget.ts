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
  /** What the last export showed of it: the same object while its counts stay put. */
  exported?: BudgetSeries;
}

const NOTHING = { bytes: 0n, packets: 0n } as const;

/** What one series gained in a sample, and where its bytes go while it holds no place. */
interface Delta {
  readonly id: string;
  readonly key: BreakdownKey;
  readonly otherId: string;
  bytes: bigint;
  packets: bigint;
}

/** What the budget keeps of one kernel key (ifindex included) between samples. */
interface KeyState {
  /** The last reading folded. */
  reading: BreakdownReading;
  /** Its series' labels and identity, and its "other" series' identity: made again only when an owner's details change. */
  key: BreakdownKey;
  id: string;
  otherId: string;
  /** The last walk that had it. */
  seen: number;
}

export class SeriesBudget {
  private readonly options: SeriesBudgetOptions;
  /** Every kernel key of the last walk, by breakdownId. */
  private readonly keys = new Map<string, KeyState>();
  /** Walks over the readings so far (a fold of the readings handed on is no walk). */
  private walks = 0;
  /** The last readings walked, and when: the same (frozen) array again means no count moved. */
  private lastWalk: { readings: readonly BreakdownReading[]; at: number } | undefined;
  /** Every series by its labels: own ones (holding or not) and "other" ones. */
  private readonly series = new Map<string, SeriesState>();
  private holders = 0;
  /** When each device last had a reading in a walk (those of the last walk are still here while it is handed on). */
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
    deltas.forEach((delta) => {
      if (delta.bytes === 0n && delta.packets === 0n) return;
      const own = this.series.get(delta.id);
      const target = own?.holding === true ? own : this.otherOf(delta);
      target.bytes += delta.bytes;
      target.packets += delta.packets;
      target.lastActive = now;
      changed = true;
    });
    if (changed || this.exportedStale) this.exported = this.snapshot();
    this.exportedStale = false;
    return this.exported;
  }

  /**
   * What each series key (ifindex left out) gained since the last sample;
   * notes which devices are here. A reading that is the one folded the last
   * time gained nothing and costs a lookup: with thousands of keys and a few
   * moving, only the few make a delta.
   */
  private deltas(readings: readonly BreakdownReading[], now: number): Map<string, Delta> {
    // Readings handed on (a quiet table, thousands of keys): nothing gained, so no walk; their devices are still here.
    if (readings === this.lastWalk?.readings && Object.isFrozen(readings)) return new Map();
    const walk = ++this.walks;
    const deltas = new Map<string, Delta>();
    for (const r of readings) {
      this.devices.set(r.interface, now);
      const readingId = breakdownId(r);
      let state = this.keys.get(readingId);
      const before = state?.seen === walk - 1 ? state.reading : undefined;
      if (!state) this.keys.set(readingId, (state = keyState(r)));
      else if (r !== state.reading && hasOwner(r)) Object.assign(state, keyState(r));
      state.reading = r;
      state.seen = walk;
      if (before === r) continue;
      // A counter that went backwards was made again (a new map): all of it is new.
      const counted = before !== undefined && before.bytes <= r.bytes ? before : NOTHING;
      let delta = deltas.get(state.id);
      if (!delta) deltas.set(state.id, (delta = { id: state.id, key: state.key, otherId: state.otherId, bytes: 0n, packets: 0n }));
      delta.bytes += r.bytes - counted.bytes;
      delta.packets += r.packets - counted.packets;
    }
    // Keys no longer read (a link gone): forgotten, so the map stays as small as the kernel's table.
    if (this.keys.size > readings.length) this.keys.forEach((state, id) => void (state.seen !== walk && this.keys.delete(id)));
    this.lastWalk = { readings, at: now };
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
    const lastWalkAt = this.lastWalk?.at;
    this.devices.forEach((seen, device) => {
      // A device of the last walk is in the readings handed on since.
      if (seen === lastWalkAt || now - seen < this.options.idleSeconds) return;
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
    const candidates: Delta[] = [];
    deltas.forEach((delta) => {
      if (delta.bytes !== 0n && !isOverflow(delta.key) && this.series.get(delta.id)?.holding !== true) candidates.push(delta);
    });
    candidates.sort((a, b) => (a.bytes !== b.bytes ? (a.bytes > b.bytes ? -1 : 1) : a.id < b.id ? -1 : 1));
    for (const delta of candidates.slice(0, free)) {
      const s = this.series.get(delta.id);
      if (s) s.holding = true;
      else this.series.set(delta.id, { key: delta.key, bytes: 0n, packets: 0n, holding: true, lastActive: now });
      this.holders += 1;
      this.exportedStale = true;
    }
  }

  /** The "other" series of this key's device, direction, family and protocol (made at 0 when first needed). */
  private otherOf(delta: Delta): SeriesState {
    let s = this.series.get(delta.otherId);
    if (!s) {
      this.series.set(delta.otherId, (s = { key: asOther(delta.key), bytes: 0n, packets: 0n, holding: false, lastActive: 0 }));
      this.exportedStale = true;
    }
    return s;
  }

  private snapshot(): readonly BudgetSeries[] {
    const states: SeriesState[] = [];
    for (const s of this.series.values()) if (s.holding || isOverflow(s.key)) states.push(s);
    // A series' key never changes: the same states in the same places are in the same order.
    const keys = states.map((s) => s.key);
    return this.order.of(keys, states).map((i) => exportOf(states[i]!));
  }
}

function exportOf(s: SeriesState): BudgetSeries {
  const last = s.exported;
  if (last?.bytes === s.bytes && last.packets === s.packets) return last;
  return (s.exported = Object.freeze({ key: s.key, bytes: s.bytes, packets: s.packets }));
}

/** A kernel key's series and its "other" series. */
function keyState(r: BreakdownReading): KeyState {
  const key = seriesKey(r);
  return { reading: r, key, id: seriesId(key), otherId: seriesId(asOther(key)), seen: 0 };
}

/** Owner details (user name, cgroup path) can change under the same kernel key, and with them its series. */
function hasOwner(k: BreakdownKey): boolean {
  return k.process !== undefined || k.user !== undefined || k.cgroup !== undefined;
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
  return typeof cgroup === 'object' && cgroup.path !== undefined ? [breakdownId(rest), cgroup.path].join('\0') : breakdownId(key);
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
