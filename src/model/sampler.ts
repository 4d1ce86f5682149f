/**
 * Turns cumulative readings into snapshots: names each counter and works out
 * rates from the previous reading. Time comes from an injected clock, so the
 * arithmetic is tested without waiting.
 */
import { compareCounters, counterId, type Reading } from './counters.js';
import { protocolName } from './protocols.js';
import type { CounterSnapshot, Snapshot } from './snapshot.js';

export interface Clock {
  /** Monotonic milliseconds. */
  monotonic(): number;
  /** Wall-clock milliseconds since the epoch. */
  wall(): number;
}

export const systemClock: Clock = {
  monotonic: () => performance.now(),
  wall: () => Date.now(),
};

export class Sampler {
  private readonly clock: Clock;
  private readonly interfaces: readonly string[];
  private readonly startedAt: number;
  private previous: Map<string, Reading> = new Map();
  private previousAt: number | undefined;
  private sequence = 0;

  /** Call right after the filters are attached: elapsed counts from here. */
  constructor(interfaces: readonly string[], clock: Clock = systemClock) {
    this.clock = clock;
    this.interfaces = [...interfaces];
    this.startedAt = clock.monotonic();
  }

  sample(readings: readonly Reading[]): Snapshot {
    const now = this.clock.monotonic();
    const interval = this.previousAt === undefined ? 0 : (now - this.previousAt) / 1000;
    const current = new Map<string, Reading>();
    const counters: CounterSnapshot[] = [];
    for (const reading of [...readings].sort(compareCounters)) {
      const id = counterId(reading);
      current.set(id, reading);
      const before = this.previous.get(id);
      counters.push({
        ...reading,
        name: protocolName(reading.family, reading.protocol).name,
        bytesPerSecond: rate(reading.bytes, before?.bytes, interval),
        packetsPerSecond: rate(reading.packets, before?.packets, interval),
      });
    }
    this.previous = current;
    this.previousAt = now;
    this.sequence += 1;
    return Object.freeze({
      time: this.clock.wall(),
      elapsed: (now - this.startedAt) / 1000,
      interval,
      sequence: this.sequence,
      interfaces: this.interfaces,
      counters: Object.freeze(counters.map((c) => Object.freeze(c))),
    });
  }
}

/** Per-second rate of a cumulative counter; a counter that went backwards (a new filter) counts from 0. */
export function rate(now: bigint, before: bigint | undefined, seconds: number): number {
  if (seconds <= 0) return 0;
  const delta = now - (before ?? 0n);
  return delta < 0n ? Number(now) / seconds : Number(delta) / seconds;
}
