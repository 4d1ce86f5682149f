/**
 * Turns cumulative readings into snapshots: names each counter and works out
 * rates from the previous reading. Time comes from an injected clock, so the
 * arithmetic is tested without waiting.
 */
import type { CounterRead } from './counter-read.js';
import { compareCounters, counterKeyNumber, type CounterKey, type Reading } from './counters.js';
import { protocolName } from './protocols.js';
import type { CounterSnapshot, Snapshot } from './snapshot.js';

export interface Clock {
  /** Monotonic milliseconds. */
  monotonic(): number;
  /** Wall-clock milliseconds since the epoch. */
  wall(): number;
}

const systemClock: Clock = {
  monotonic: () => performance.now(),
  wall: () => Date.now(),
};

/** What the sampler keeps of one counter between samples. */
interface Tracked {
  /** The last reading; the kernel layer hands on the same object while the counts stay put (frozen arrays: see counter-read.ts). */
  reading: Reading;
  /** What the last snapshot showed of it. */
  snapshot: CounterSnapshot;
  readonly name: string;
  /** The sequence of the last sample that had it. */
  seen: number;
}

export class Sampler {
  private readonly clock: Clock;
  private readonly interfaces: readonly string[];
  private readonly startedAt: number;
  /** Every counter seen so far, by interface name, then by the rest of its key as a number. */
  private readonly tracked = new Map<string, Map<number, Tracked>>();
  /**
   * The last sample's readings and their counters, by position: the kernel
   * layer hands on readings in the same order from one sample to the next,
   * so most counters are found with one comparison (the same reading) or a
   * few (a new reading of the same key), without a lookup.
   */
  private readonly lastReadings: Reading[] = [];
  private readonly lastTracked: Tracked[] = [];
  /** Every counter seen so far in display order; sorted again only when one is added. */
  private readonly ordered: Tracked[] = [];
  private previousCounters: readonly CounterSnapshot[] = Object.freeze([]);
  /** The generation of the last sample's read, and whether that sample showed every counter at a rate of 0. */
  private lastGeneration: number | undefined;
  private quiet = false;
  /**
   * The last sample that walked the readings, and the last one that had the
   * same readings after it: a counter seen in that walk was in every sample
   * up to presentThrough.
   */
  private lastWalk = 0;
  private presentThrough = 0;
  private previousAt: number | undefined;
  private sequence = 0;

  /** Call right after the filters are attached: elapsed counts from here. */
  constructor(interfaces: readonly string[], clock: Clock = systemClock) {
    this.clock = clock;
    this.interfaces = Object.freeze([...interfaces]);
    this.startedAt = clock.monotonic();
  }

  /**
   * The snapshot of this read (one reading per counter). Counters whose
   * counts and rates did not change keep their CounterSnapshot object, and
   * when none changed the counters array is the previous one: immutable
   * either way, and cheap for renderers to compare.
   */
  sample(read: CounterRead): Snapshot {
    const now = this.clock.monotonic();
    const interval = this.previousAt === undefined ? 0 : (now - this.previousAt) / 1000;
    const sequence = ++this.sequence;
    const { readings } = read;
    if (read.generation === this.lastGeneration && this.quiet) {
      // The same read (nothing moved since) and no rate to bring down to 0:
      // the same counters, no walk.
      this.presentThrough = sequence;
      return this.snapshot(now, interval, sequence, this.previousCounters);
    }
    let added = false;
    let quiet = true;
    let changed = false;
    let present = 0;
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i]!;
      const last = this.lastReadings[i];
      let counter = last !== undefined && (last === reading || sameKey(last, reading)) ? this.lastTracked[i] : undefined;
      if (counter === undefined) {
        counter = this.find(reading);
        if (counter === undefined) {
          counter = this.track(reading);
          added = true;
        }
      }
      // Rates are over the last interval: a counter the last sample did not have counts from 0.
      const inLastSample = sequence > 1 && (counter.seen === this.lastWalk ? this.presentThrough : counter.seen) === sequence - 1;
      const next = nextSnapshot(counter, reading, interval, inLastSample);
      quiet &&= next.bytesPerSecond === 0 && next.packetsPerSecond === 0;
      if (next !== counter.snapshot) {
        changed = true;
        counter.snapshot = next;
      }
      if (counter.seen !== sequence) present += 1;
      counter.seen = sequence;
      counter.reading = reading;
      this.lastReadings[i] = reading;
      this.lastTracked[i] = counter;
    }
    this.lastReadings.length = readings.length;
    this.lastTracked.length = readings.length;
    if (added) this.ordered.sort((a, b) => compareCounters(a.reading, b.reading));
    let counters = this.previousCounters;
    if (changed || added || present !== counters.length) {
      const shown = present === this.ordered.length ? this.ordered : this.ordered.filter((c) => c.seen === sequence);
      counters = Object.freeze(shown.map((c) => c.snapshot));
    }
    this.lastGeneration = read.generation;
    this.quiet = quiet;
    this.lastWalk = sequence;
    this.presentThrough = sequence;
    return this.snapshot(now, interval, sequence, counters);
  }

  private snapshot(now: number, interval: number, sequence: number, counters: readonly CounterSnapshot[]): Snapshot {
    this.previousCounters = counters;
    this.previousAt = now;
    return Object.freeze({
      time: this.clock.wall(),
      elapsed: (now - this.startedAt) / 1000,
      interval,
      sequence,
      interfaces: this.interfaces,
      counters,
    });
  }

  private find(key: CounterKey): Tracked | undefined {
    return this.tracked.get(placeOf(key))?.get(keyNumber(key));
  }

  private track(reading: Reading): Tracked {
    const counter: Tracked = {
      reading,
      snapshot: counterSnapshot(reading, protocolName(reading.family, reading.protocol).name, 0, 0),
      name: protocolName(reading.family, reading.protocol).name,
      seen: 0,
    };
    let byKey = this.tracked.get(placeOf(reading));
    if (!byKey) this.tracked.set(placeOf(reading), (byKey = new Map()));
    byKey.set(keyNumber(reading), counter);
    this.ordered.push(counter);
    return counter;
  }
}

function sameKey(a: CounterKey, b: CounterKey): boolean {
  return (
    a.ifindex === b.ifindex &&
    a.protocol === b.protocol &&
    a.direction === b.direction &&
    a.family === b.family &&
    a.interface === b.interface &&
    a.generation === b.generation
  );
}

/** The interface name, and the link's generation when it is not the first: what keyNumber leaves out. */
function placeOf(key: CounterKey): string {
  return key.generation === undefined ? key.interface : `${key.interface}\0${key.generation}`;
}

function keyNumber(key: CounterKey): number {
  return counterKeyNumber(key.ifindex, key.direction, key.family, key.protocol);
}

/** The counter's snapshot for this reading: the one it had if nothing it shows changed. */
function nextSnapshot(counter: Tracked, reading: Reading, interval: number, inLastSample: boolean): CounterSnapshot {
  const shown = counter.snapshot;
  if (reading === counter.reading && inLastSample) {
    // Same counts as the last sample: no traffic, a rate of 0.
    return shown.bytesPerSecond === 0 && shown.packetsPerSecond === 0 ? shown : counterSnapshot(reading, counter.name, 0, 0);
  }
  const before = inLastSample ? counter.reading : undefined;
  const bytesPerSecond = rate(reading.bytes, before?.bytes, interval);
  const packetsPerSecond = rate(reading.packets, before?.packets, interval);
  if (shown.bytes === reading.bytes && shown.packets === reading.packets && shown.bytesPerSecond === bytesPerSecond && shown.packetsPerSecond === packetsPerSecond) {
    return shown;
  }
  return counterSnapshot(reading, counter.name, bytesPerSecond, packetsPerSecond);
}

function counterSnapshot(reading: Reading, name: string, bytesPerSecond: number, packetsPerSecond: number): CounterSnapshot {
  return Object.freeze({
    interface: reading.interface,
    ifindex: reading.ifindex,
    ...(reading.generation === undefined ? {} : { generation: reading.generation }),
    direction: reading.direction,
    family: reading.family,
    protocol: reading.protocol,
    name,
    bytes: reading.bytes,
    packets: reading.packets,
    bytesPerSecond,
    packetsPerSecond,
  });
}

/** Per-second rate of a cumulative counter; a counter that went backwards (a new filter) counts from 0. */
export function rate(now: bigint, before: bigint | undefined, seconds: number): number {
  if (seconds <= 0) return 0;
  const delta = now - (before ?? 0n);
  return delta < 0n ? Number(now) / seconds : Number(delta) / seconds;
}
