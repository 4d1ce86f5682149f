/**
 * The kernel's counter layout, mirrored from bpf/sockex.h (a unit test checks
 * the two agree), and the pure decoding of raw per-CPU map values.
 */
import { OVERFLOW_PROTOCOL, type Direction, type Family } from '../model/counters.js';

export const PROGRAM_NAME = 'sockex_count';
export const IP_MAP = 'ip_counters';
export const OTHER_MAP = 'other_counters';

export const LAYOUT = {
  SOCKEX_DIR_TX: 0,
  SOCKEX_DIR_RX: 1,
  SOCKEX_DIRECTIONS: 2,
  SOCKEX_FAMILY_IPV4: 0,
  SOCKEX_FAMILY_IPV6: 1,
  SOCKEX_IP_FAMILIES: 2,
  SOCKEX_IP_PROTOCOLS: 256,
  SOCKEX_OTHER_MAX: 1024,
} as const;

export const IP_SLOTS = LAYOUT.SOCKEX_DIRECTIONS * LAYOUT.SOCKEX_IP_FAMILIES * LAYOUT.SOCKEX_IP_PROTOCOLS;
export const ARRAY_SLOTS = IP_SLOTS + LAYOUT.SOCKEX_DIRECTIONS;
/** struct sockex_counter: two u64, so no padding between CPUs' values. */
export const COUNTER_SIZE = 16;
/** struct sockex_ip_table, the one value of ip_counters: all slots of one CPU (a multiple of 8, so CPUs follow unpadded). */
export const IP_TABLE_SIZE = ARRAY_SLOTS * COUNTER_SIZE;
/** struct sockex_other_key: u16 ethertype, u8 direction, u8 pad. */
export const OTHER_KEY_SIZE = 4;

export interface SlotKey {
  direction: Direction;
  family: Family;
  protocol: number;
}

function directionOf(dir: number): Direction {
  return dir === LAYOUT.SOCKEX_DIR_TX ? 'tx' : 'rx';
}

/** What an ip_counters slot counts. */
export function decodeSlot(slot: number): SlotKey {
  if (slot >= IP_SLOTS) return { direction: directionOf(slot - IP_SLOTS), family: 'other', protocol: OVERFLOW_PROTOCOL };
  const protocol = slot % LAYOUT.SOCKEX_IP_PROTOCOLS;
  const rest = Math.floor(slot / LAYOUT.SOCKEX_IP_PROTOCOLS);
  const family = rest % LAYOUT.SOCKEX_IP_FAMILIES === LAYOUT.SOCKEX_FAMILY_IPV4 ? 'ipv4' : 'ipv6';
  return { direction: directionOf(Math.floor(rest / LAYOUT.SOCKEX_IP_FAMILIES)), family, protocol };
}

/** What an other_counters key counts. */
export function decodeOtherKey(key: Buffer, offset: number): SlotKey {
  return { direction: directionOf(key.readUInt8(offset + 2)), family: 'other', protocol: key.readUInt16LE(offset) };
}

export interface Totals {
  bytes: bigint;
  packets: bigint;
}

/**
 * Sum one entry's per-CPU values. values holds entries one after another,
 * each as cpus consecutive {u64 bytes, u64 packets}, little-endian (the BPF
 * target's byte order on the hosts sockex supports), as a batched lookup of
 * a per-CPU map returns them. Returns undefined for an entry that is zero on
 * every CPU, the common case, without making BigInts.
 */
export function sumPerCpu(values: Buffer, entry: number, cpus: number): Totals | undefined {
  return sumStrided(values, entry * cpus * COUNTER_SIZE, cpus, COUNTER_SIZE);
}

/**
 * Sum one slot of ip_counters' single value, as a plain lookup returns it:
 * each CPU's whole table one after another, so a slot's CPUs lie one table
 * apart.
 */
export function sumTableSlot(values: Buffer, slot: number, cpus: number): Totals | undefined {
  return sumStrided(values, slot * COUNTER_SIZE, cpus, IP_TABLE_SIZE);
}

/**
 * Whether a slot of ip_counters' value is zero on every CPU, read through a
 * 32-bit view of the same memory: most slots are, and this scan is most of
 * a sample's user-space work, so it avoids Buffer reads and BigInts.
 */
export function tableSlotIsZero(words: Uint32Array, slot: number, cpus: number): boolean {
  const wordsPerTable = IP_TABLE_SIZE / 4;
  for (let cpu = 0, i = slot * (COUNTER_SIZE / 4); cpu < cpus; cpu++, i += wordsPerTable) {
    if ((words[i]! | words[i + 1]! | words[i + 2]! | words[i + 3]!) !== 0) return false;
  }
  return true;
}

/** The counter at start on the first CPU, the next CPU's stride bytes further. */
function sumStrided(values: Buffer, start: number, cpus: number, stride: number): Totals | undefined {
  let nonZero = false;
  for (let cpu = 0, off = start; cpu < cpus; cpu++, off += stride) {
    if (values.readUInt32LE(off) !== 0 || values.readUInt32LE(off + 4) !== 0 || values.readUInt32LE(off + 8) !== 0 || values.readUInt32LE(off + 12) !== 0) {
      nonZero = true;
      break;
    }
  }
  if (!nonZero) return undefined;
  let bytes = 0n;
  let packets = 0n;
  for (let cpu = 0, off = start; cpu < cpus; cpu++, off += stride) {
    bytes += values.readBigUInt64LE(off);
    packets += values.readBigUInt64LE(off + 8);
  }
  return { bytes, packets };
}
