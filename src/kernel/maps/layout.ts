/**
 * The kernel's counter layout, mirrored from bpf/sockex.h (a unit test checks
 * the two agree), and the pure decoding of raw per-CPU map values.
 */
import { OVERFLOW_PROTOCOL, type Direction, type Family } from '../../model/counters.js';

export const PROGRAM_NAME = 'sockex_count';
export const IP_MAP = 'ip_counters';
export const OTHER_MAP = 'other_counters';

/** The every-interface filter (bpf/sockex-any.bpf.c, for -i any). */
export const ANY_PROGRAM_NAME = 'sockex_count_any';
export const ANY_MAP = 'any_counters';
export const ANY_OVERFLOW_MAP = 'any_overflow';
/** ifindex -> link-header length, for the every-interface filter: below SOCKEX_LINKS_DIRECT (as length + 1), and the rest. */
export const LINK_DIRECT_MAP = 'link_hlen_direct';
export const LINK_MAP = 'link_hlen';

export const LAYOUT = {
  SOCKEX_DIR_TX: 0,
  SOCKEX_DIR_RX: 1,
  SOCKEX_DIRECTIONS: 2,
  SOCKEX_FAMILY_IPV4: 0,
  SOCKEX_FAMILY_IPV6: 1,
  SOCKEX_IP_FAMILIES: 2,
  SOCKEX_FAMILY_OTHER: 2,
  SOCKEX_IP_PROTOCOLS: 256,
  SOCKEX_OTHER_MAX: 1024,
  SOCKEX_ANY_MAX: 8192,
  SOCKEX_LINK_UNKNOWN: 255,
  SOCKEX_LINKS_DIRECT: 4096,
  SOCKEX_LINKS_MAX: 65536,
} as const;

/** The one-interface filter's read-only data (.rodata): const volatile __u32 sockex_link_hlen. */
export function filterReadOnlyData(linkHeaderLength: number): Buffer {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(linkHeaderLength);
  return data;
}

export const IP_SLOTS = LAYOUT.SOCKEX_DIRECTIONS * LAYOUT.SOCKEX_IP_FAMILIES * LAYOUT.SOCKEX_IP_PROTOCOLS;
export const ARRAY_SLOTS = IP_SLOTS + LAYOUT.SOCKEX_DIRECTIONS;
/** struct sockex_counter: two u64, so no padding between CPUs' values. */
export const COUNTER_SIZE = 16;
/** struct sockex_other_key: u16 ethertype, u8 direction, u8 pad. */
export const OTHER_KEY_SIZE = 4;

/** struct sockex_any_key: u32 ifindex, u16 protocol, u8 direction, u8 family. */
export const ANY_KEY_SIZE = 8;

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

/** What an any_counters key counts, and on which interface. */
export function decodeAnyKey(key: Buffer, offset: number): SlotKey & { ifindex: number } {
  const family = key.readUInt8(offset + 7);
  return {
    ifindex: key.readUInt32LE(offset),
    direction: directionOf(key.readUInt8(offset + 6)),
    family: family === LAYOUT.SOCKEX_FAMILY_IPV4 ? 'ipv4' : family === LAYOUT.SOCKEX_FAMILY_IPV6 ? 'ipv6' : 'other',
    protocol: key.readUInt16LE(offset + 4),
  };
}

/** What an any_overflow slot counts: frames of one direction that found the table full. */
export function decodeAnyOverflowSlot(slot: number): SlotKey {
  return { direction: directionOf(slot), family: 'other', protocol: OVERFLOW_PROTOCOL };
}

export interface Totals {
  bytes: bigint;
  packets: bigint;
}

/** Where an entry's counter for one CPU sits in a buffer of per-CPU values. */
export interface PerCpuLayout {
  /** Bytes from one entry to the next. */
  entryStride: number;
  /** Bytes from one CPU's copy of an entry to the next CPU's. */
  cpuStride: number;
}

/** A batched read: entries one after another, each as cpus consecutive counters. */
export function entryMajor(cpus: number): PerCpuLayout {
  return { entryStride: cpus * COUNTER_SIZE, cpuStride: COUNTER_SIZE };
}

/** struct sockex_ip_table, ip_counters' single value: every slot of one CPU. */
export const TABLE_SIZE = ARRAY_SLOTS * COUNTER_SIZE;
/** ip_counters read with one lookup: each CPU's whole table, one after another. */
export const CPU_MAJOR_TABLE: PerCpuLayout = { entryStride: COUNTER_SIZE, cpuStride: TABLE_SIZE };

/**
 * Sum one entry's per-CPU counters {u64 bytes, u64 packets}, little-endian
 * (the BPF target's byte order on the hosts sockex supports). Returns
 * undefined for an entry that is zero on every CPU, the common case, without
 * making BigInts.
 */
export function sumPerCpu(values: Buffer, entry: number, cpus: number, layout: PerCpuLayout = entryMajor(cpus)): Totals | undefined {
  const start = entry * layout.entryStride;
  const words = wordView(values);
  let nonZero = false;
  for (let cpu = 0; cpu < cpus && !nonZero; cpu++) {
    const off = start + cpu * layout.cpuStride;
    nonZero = words
      ? (words[off >> 2]! | words[(off >> 2) + 1]! | words[(off >> 2) + 2]! | words[(off >> 2) + 3]!) !== 0
      : values.readUInt32LE(off) !== 0 || values.readUInt32LE(off + 4) !== 0 || values.readUInt32LE(off + 8) !== 0 || values.readUInt32LE(off + 12) !== 0;
  }
  if (!nonZero) return undefined;
  let bytes = 0n;
  let packets = 0n;
  for (let cpu = 0; cpu < cpus; cpu++) {
    const off = start + cpu * layout.cpuStride;
    bytes += values.readBigUInt64LE(off);
    packets += values.readBigUInt64LE(off + 8);
  }
  return { bytes, packets };
}

/** Two to the 32nd: the weight of a u64's high word. */
const HIGH_WORD = 0x1_0000_0000;
/** High-word bits that make a u64 of 2^53 or more, which a double cannot hold exactly. */
const UNSAFE_HIGH_BITS = ~0x1f_ffff;

/**
 * sumPerCpu without BigInts, for the common case, through the buffer's
 * wordView (made once per buffer, not per entry): writes the entry's bytes
 * and packets into out[0] and out[1] and says 'exact' while every value and
 * both sums stay below 2^53 (where doubles hold integers exactly), 'zero' for
 * an entry that is zero on every CPU. 'large' asks for sumPerCpu, which is
 * exact at any size.
 */
export function sumPerCpuSmall(
  words: Uint32Array,
  entry: number,
  cpus: number,
  layout: PerCpuLayout,
  out: Float64Array,
): 'zero' | 'exact' | 'large' {
  const start = (entry * layout.entryStride) >> 2;
  const stride = layout.cpuStride >> 2;
  let bytes = 0;
  let packets = 0;
  let high = 0;
  for (let cpu = 0, w = start; cpu < cpus; cpu++, w += stride) {
    const bytesHigh = words[w + 1]!;
    const packetsHigh = words[w + 3]!;
    high |= bytesHigh | packetsHigh;
    bytes += bytesHigh * HIGH_WORD + words[w]!;
    packets += packetsHigh * HIGH_WORD + words[w + 2]!;
  }
  if ((high & UNSAFE_HIGH_BITS) !== 0 || bytes > Number.MAX_SAFE_INTEGER || packets > Number.MAX_SAFE_INTEGER) return 'large';
  if (bytes === 0 && packets === 0) return 'zero';
  out[0] = bytes;
  out[1] = packets;
  return 'exact';
}

// The zero scan runs for every slot of every sample: through a 32-bit view
// (made once per buffer) it is several times faster than readUInt32LE.
const wordViews = new WeakMap<Buffer, Uint32Array | null>();

/** The buffer as host-order 32-bit words, or null where they would not read the counters right. */
export function wordView(values: Buffer): Uint32Array | null {
  let words = wordViews.get(values);
  if (words === undefined) {
    // Counters are little-endian u64s; a host-order view reads them right only on a little-endian host.
    const usable = values.byteOffset % 4 === 0 && values.length % 4 === 0 && new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    words = usable ? new Uint32Array(values.buffer, values.byteOffset, values.length / 4) : null;
    wordViews.set(values, words);
  }
  return words;
}
