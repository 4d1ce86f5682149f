/**
 * Reading the filters' per-CPU counter maps into buffers allocated once:
 * BatchReader (one batched lookup a map; key by key before Linux 5.6),
 * ReadingCache (a counter that did not change allocates nothing), LastRead
 * (a read that changed nothing, told by two memcmp()s), and openCounterMaps,
 * the protocol counters: ip_counters (one element holding every slot) with
 * one plain lookup, other_counters with one batched lookup.
 */
import { ENOTSUPP, Errno, errnoName, SyscallError } from '../../errors.js';
import {
  ARRAY_SLOTS,
  CPU_MAJOR_TABLE,
  TABLE_SIZE,
  COUNTER_SIZE,
  LAYOUT,
  OTHER_KEY_SIZE,
  decodeOtherKey,
  decodeSlot,
  entryMajor,
  sumPerCpu,
  sumPerCpuSmall,
  wordView,
  type PerCpuLayout,
  type SlotKey,
  type Totals,
} from './layout.js';
import type { Native } from '../libbpf/index.js';

/** What a kernel without BPF_MAP_LOOKUP_BATCH (before 5.6) answers. */
const NO_BATCH_ERRNOS = new Set([Errno.EINVAL, Errno.EOPNOTSUPP, ENOTSUPP]);

export type SlotReading = SlotKey & Totals;

export interface CounterMaps {
  /** Every counter that is not zero, cumulative since the maps were created. */
  read(): SlotReading[];
}

export function openCounterMaps(native: Native, ipMapFd: number, otherMapFd: number): CounterMaps {
  const reader = new BatchReader(native);
  // ip_counters is one element holding every slot: one plain lookup copies each CPU's table.
  const table = Buffer.alloc(reader.cpus * TABLE_SIZE);
  const zeroKey = Buffer.alloc(4);
  const other = reader.buffers(LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE);
  const otherLayout = entryMajor(reader.cpus);
  const cache = new ReadingCache<SlotReading>();
  return {
    read(): SlotReading[] {
      const out: SlotReading[] = [];
      reader.lookupOne(ipMapFd, zeroKey, table, 'the IP counters');
      for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
        const entry = cache.update(slot, table, slot, reader.cpus, CPU_MAJOR_TABLE);
        if (!entry) continue;
        entry.reading ??= { ...decodeSlot(slot), ...entry.totals };
        out.push(entry.reading);
      }
      const otherCount = reader.lookupAll(otherMapFd, other, 'the non-IP counters');
      for (let i = 0; i < otherCount; i++) {
        // Keyed after the IP slots by EtherType and direction (a key's first three bytes).
        const key = ARRAY_SLOTS + (other.keys.readUInt32LE(i * OTHER_KEY_SIZE) & 0xff_ffff);
        const entry = cache.update(key, other.values, i, reader.cpus, otherLayout);
        if (!entry) continue;
        entry.reading ??= { ...decodeOtherKey(other.keys, i * OTHER_KEY_SIZE), ...entry.totals };
        out.push(entry.reading);
      }
      return out;
    },
  };
}

/** One map entry as last read: its totals, and what the caller made of them. */
export interface CachedEntry<R> {
  readonly key: number;
  /** Exact totals; the same object until the counts change. */
  readonly totals: Totals;
  /** The caller's reading of these totals; reset to undefined whenever they change. */
  reading: R | undefined;
  /** The totals as doubles while below 2^53, NaN past it. */
  readonly bytes: number;
  readonly packets: number;
}

/**
 * The last totals of every map entry, keyed by a number the caller derives
 * from the entry's key. Most counters do not move between two samples: for
 * those the sum is done in doubles and compared, and the entry keeps the
 * reading made the last time, so nothing is allocated for them (no BigInt,
 * no object) and everything downstream can tell "unchanged" by identity.
 * A map returns its entries in the same order from one read to the next
 * while none is added, so an entry is first looked for where it was the last
 * time (a comparison, not a hash lookup). Map entries are never deleted
 * (counts are cumulative), so the cache is bounded by the maps' sizes.
 */
export class ReadingCache<R> {
  private readonly entries = new Map<number, CachedEntry<R>>();
  private readonly byPosition: (CachedEntry<R> | undefined)[] = [];
  private readonly sums = new Float64Array(2);
  private values: Buffer | undefined;
  private words: Uint32Array | null = null;

  /** Forget these keys: counters the kernel no longer has, whose next values start from zero. */
  forget(keys: ReadonlySet<number>): void {
    for (const key of keys) this.entries.delete(key);
    for (let i = 0; i < this.byPosition.length; i++) if (keys.has(this.byPosition[i]?.key ?? -1)) this.byPosition[i] = undefined;
  }

  /** The entry at this position of values after this read, or undefined if it is zero on every CPU. */
  update(key: number, values: Buffer, position: number, cpus: number, layout: PerCpuLayout): CachedEntry<R> | undefined {
    if (values !== this.values) {
      this.values = values;
      this.words = wordView(values);
    }
    const kind = this.words ? sumPerCpuSmall(this.words, position, cpus, layout, this.sums) : 'large';
    if (kind === 'zero') return undefined;
    let cached = this.byPosition[position];
    if (cached?.key !== key) cached = this.entries.get(key);
    let totals: Totals;
    let bytes = Number.NaN;
    let packets = Number.NaN;
    if (kind === 'exact') {
      bytes = this.sums[0]!;
      packets = this.sums[1]!;
      totals = cached && cached.bytes === bytes && cached.packets === packets ? cached.totals : { bytes: BigInt(bytes), packets: BigInt(packets) };
    } else {
      const exact = sumPerCpu(values, position, cpus, layout);
      if (!exact) return undefined;
      totals = cached && cached.totals.bytes === exact.bytes && cached.totals.packets === exact.packets ? cached.totals : exact;
    }
    if (!cached || totals !== cached.totals) {
      cached = { key, totals, reading: undefined, bytes, packets };
      this.entries.set(key, cached);
    }
    this.byPosition[position] = cached;
    return cached;
  }
}

/**
 * Whole-map reads of per-CPU maps: one bpf_map_lookup_batch call per map
 * into buffers allocated once.
 */
export class BatchReader {
  readonly cpus: number;
  private readonly native: Native;
  /** False once the kernel said it has no batched lookups (before 5.6): key by key from then on. */
  private batched: boolean;

  constructor(native: Native, options: { batched?: boolean } = {}) {
    this.native = native;
    this.batched = options.batched ?? true;
    const cpus = native.libbpf.numPossibleCpus();
    if (cpus <= 0) throw new SyscallError('syscall', 'libbpf_num_possible_cpus', -cpus, `cannot count the CPUs (${errnoName(cpus)})`);
    this.cpus = cpus;
  }

  buffers(capacity: number, keySize: number): BatchBuffers {
    return batchBuffers(capacity, keySize, this.cpus);
  }

  /** Reads one element (every CPU's copy) into value. */
  lookupOne(fd: number, key: Buffer, value: Buffer, what: string): void {
    const err = this.native.libbpf.mapLookupElem(fd, key, value);
    if (err < 0) throw new SyscallError('syscall', 'bpf_map_lookup_elem', -err, `cannot read ${what} (${errnoName(err)})`);
  }

  /** Reads every entry of the map into b; returns how many it holds. */
  lookupAll(fd: number, b: BatchBuffers, what: string): number {
    if (this.batched) {
      b.count.writeUInt32LE(b.capacity);
      const err = this.native.libbpf.mapLookupBatch(fd, null, b.outBatch, b.keys, b.values, b.count, null);
      // -ENOENT only says the map ended before the batch did.
      if (err >= 0 || err === -Errno.ENOENT) return b.count.readUInt32LE();
      if (!NO_BATCH_ERRNOS.has(-err)) {
        throw new SyscallError('syscall', 'bpf_map_lookup_batch', -err, `cannot read ${what} (${errnoName(err)})`);
      }
      this.batched = false;
    }
    return this.lookupKeyByKey(fd, b, what);
  }

  /** The pre-5.6 way: walk the keys, one lookup each (two syscalls per entry). */
  private lookupKeyByKey(fd: number, b: BatchBuffers, what: string): number {
    const { libbpf } = this.native;
    const valueSize = this.cpus * COUNTER_SIZE;
    let n = 0;
    let previous: Buffer | null = null;
    while (n < b.capacity) {
      const key = b.keys.subarray(n * b.keySize, (n + 1) * b.keySize);
      const err = libbpf.mapGetNextKey(fd, previous, key);
      if (err === -Errno.ENOENT) break;
      if (err < 0) throw new SyscallError('syscall', 'bpf_map_get_next_key', -err, `cannot read ${what} (${errnoName(err)})`);
      const lookup = libbpf.mapLookupElem(fd, key, b.values.subarray(n * valueSize, (n + 1) * valueSize));
      previous = key;
      // A hash entry deleted between the two calls: nothing to count, and its key still leads on.
      if (lookup === -Errno.ENOENT) {
        b.values.fill(0, n * valueSize, (n + 1) * valueSize);
      } else if (lookup < 0) {
        throw new SyscallError('syscall', 'bpf_map_lookup_elem', -lookup, `cannot read ${what} (${errnoName(lookup)})`);
      }
      n += 1;
    }
    return n;
  }
}

/**
 * The bytes a batched read returned the last time, to tell a read that
 * returned exactly the same keys and counts (the common case on a host whose
 * interfaces are mostly quiet) with two memcmp()s instead of a walk over
 * every entry.
 */
export class LastRead {
  private readonly keys: Buffer;
  private readonly values: Buffer;
  private count = -1;

  constructor(b: BatchBuffers) {
    this.keys = Buffer.alloc(b.keys.length);
    this.values = Buffer.alloc(b.values.length);
  }

  /** Whether the n entries just read into b are those of the last call; remembers them if not. */
  same(b: BatchBuffers, n: number, cpus: number): boolean {
    const keyBytes = n * b.keySize;
    const valueBytes = n * cpus * COUNTER_SIZE;
    if (n === this.count && b.keys.compare(this.keys, 0, keyBytes, 0, keyBytes) === 0 && b.values.compare(this.values, 0, valueBytes, 0, valueBytes) === 0) {
      return true;
    }
    b.keys.copy(this.keys, 0, 0, keyBytes);
    b.values.copy(this.values, 0, 0, valueBytes);
    this.count = n;
    return false;
  }
}

export interface BatchBuffers {
  capacity: number;
  keySize: number;
  keys: Buffer;
  values: Buffer;
  outBatch: Buffer;
  count: Buffer;
}

export function batchBuffers(capacity: number, keySize: number, cpus: number): BatchBuffers {
  return {
    capacity,
    keySize,
    keys: Buffer.alloc(capacity * keySize),
    values: Buffer.alloc(capacity * cpus * COUNTER_SIZE),
    // Large enough for any map's batch token (a key for hash maps).
    outBatch: Buffer.alloc(Math.max(keySize, 8)),
    count: Buffer.alloc(4),
  };
}
