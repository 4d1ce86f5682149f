/**
 * The vocabulary every layer shares: what one counter is keyed by.
 */
import { frozenMemo, type FrozenMemo } from './frozen-memo.js';

/** tx: frames the interface sends (PACKET_OUTGOING); rx: everything else the socket sees. */
export type Direction = 'tx' | 'rx';
/** ipv4/ipv6: protocol is the IP protocol number; other: protocol is the EtherType. */
export type Family = 'ipv4' | 'ipv6' | 'other';

/**
 * The interface name that means "every interface" (-i any). Its counters
 * carry the real interface each frame was seen on; only frames the kernel
 * could no longer tell apart by interface (a full table) carry "any".
 */
export const ANY_INTERFACE = 'any';

/**
 * Non-IP frames that arrived while the kernel's EtherType table was full are
 * counted under this protocol number (outside the 16-bit EtherType range).
 */
export const OVERFLOW_PROTOCOL = 0x10000;

/** One cumulative counter as read from the kernel, before naming or rates. */
export interface Reading {
  readonly interface: string;
  /**
   * The kernel's index of the interface the frames were seen on. Names can be
   * reused (an interface deleted and created again, two interfaces that swap
   * names); the index tells such counters apart. 0 for frames the kernel
   * could not attribute to one interface (-i any with a full table).
   */
  readonly ifindex: number;
  /**
   * -i any: which link this is of those that had this ifindex during the run,
   * when it is not the first (2, 3...): a new interface that took the index
   * of one deleted starts from zero as its own counter. Absent: the first.
   */
  readonly generation?: number;
  readonly direction: Direction;
  readonly family: Family;
  /** IP protocol number (ipv4, ipv6) or EtherType (other). */
  readonly protocol: number;
  /** Cumulative since attach; exact (BigInt) at any size. */
  readonly bytes: bigint;
  readonly packets: bigint;
}

export type CounterKey = Pick<Reading, 'interface' | 'ifindex' | 'generation' | 'direction' | 'family' | 'protocol'>;

/** A counter's identity as text (made once per frozen reading). */
export const counterId: FrozenMemo<CounterKey, string> = frozenMemo((c) => `${c.interface}\0${c.ifindex}\0${c.generation ?? 1}\0${c.direction}\0${c.family}\0${c.protocol}`);

/** A stable order: interface, ifindex, generation, direction (tx first), family, protocol. */
export function compareCounters(a: CounterKey, b: CounterKey): number {
  if (a.interface !== b.interface) return a.interface < b.interface ? -1 : 1;
  if (a.ifindex === b.ifindex && a.generation !== b.generation) return (a.generation ?? 1) - (b.generation ?? 1);
  return counterKeyNumber(a.ifindex, a.direction, a.family, a.protocol) - counterKeyNumber(b.ifindex, b.direction, b.family, b.protocol);
}

const directionOrder: Record<Direction, number> = { tx: 0, rx: 1 };
const familyOrder: Record<Family, number> = { ipv4: 0, ipv6: 1, other: 2 };
/** Protocol numbers stay below this (IP protocols, EtherTypes and OVERFLOW_PROTOCOL). */
const PROTOCOL_RANGE = 0x2_0000;

/**
 * A counter's key less its interface name as one number, exact in a double
 * (ifindex < 2^31), in compareCounters' order: ifindex, direction, family,
 * protocol. Positional, so hot paths build no object for it.
 */
export function counterKeyNumber(ifindex: number, direction: Direction, family: Family, protocol: number): number {
  return ((ifindex * 2 + directionOrder[direction]) * 3 + familyOrder[family]) * PROTOCOL_RANGE + protocol;
}
