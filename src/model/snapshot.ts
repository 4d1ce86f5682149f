/**
 * What every renderer sees: an immutable picture of all counters at one
 * moment, with rates over the interval that led to it.
 */
import type { Breakdown } from './breakdown.js';
import type { Direction, Family } from './counters.js';

export interface CounterSnapshot {
  readonly interface: string;
  /** The kernel's interface index (see Reading.ifindex). */
  readonly ifindex: number;
  /** -i any: the link's generation at that ifindex, when not the first (see Reading.generation). */
  readonly generation?: number;
  readonly direction: Direction;
  readonly family: Family;
  /** IP protocol number (ipv4, ipv6) or EtherType (other). */
  readonly protocol: number;
  /** Display name: TCP, UDP, ICMP, IPv6-ICMP, ARP, ... */
  readonly name: string;
  /** Cumulative since attach; exact (BigInt) at any size. */
  readonly bytes: bigint;
  readonly packets: bigint;
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
