/**
 * What every renderer sees: an immutable picture of all counters at one
 * moment, with rates over the interval that led to it.
 */
import type { Breakdown } from './breakdown.js';
import type { Reading } from './counters.js';

/** A counter as renderers see it: the reading (bytes and packets exact at any size), named, with its rates. */
export interface CounterSnapshot extends Reading {
  /** Display name: TCP, UDP, ICMP, IPv6-ICMP, ARP, ... */
  readonly name: string;
  /** Over the last interval; 0 on the first snapshot. */
  readonly bytesPerSecond: number;
  readonly packetsPerSecond: number;
}

export interface Snapshot {
  /** Wall-clock time of the reading, ms since the epoch. */
  readonly time: number;
  /** Seconds since the filter was attached. */
  readonly elapsed: number;
  /** Seconds since the previous snapshot (0 for the first). */
  readonly interval: number;
  /** 1 for the first snapshot, then counting up. */
  readonly sequence: number;
  readonly interfaces: readonly string[];
  /** Every non-zero counter, in a stable order (interface, direction, family, protocol). */
  readonly counters: readonly CounterSnapshot[];
  /** With --by port or --by host: the IP counters split by port or host. */
  readonly breakdown?: Breakdown;
}
