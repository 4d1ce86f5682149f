/**
 * What changed since the last read of a counter map, so that a counter that
 * did not move allocates nothing: ReadingCache (per entry: the same totals and
 * the same reading until its counts change) and LastRead (a whole batched
 * read that changed nothing, told by two memcmp()s).
 */
import { COUNTER_SIZE, sumPerCpu, sumPerCpuSmall, wordView, type PerCpuLayout, type Totals } from './layout.js';
import type { BatchBuffers } from './batch-reader.js';

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
 * no object), and a reader can hand on its last array (handOn).
 * A map returns its entries in the same order from one read to the next
 * while none is added, so an entry is first looked for where it was the last
 * time (a comparison, not a hash lookup). The kernel deletes no entry (counts
 * are cumulative; -i any deletes those of a link gone, and forget()s them),
 * so the cache is bounded by the maps' sizes.
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

/**
 * The array a reader hands on: the last one while every entry is the one it
 * was (a ReadingCache keeps an entry's reading until its counts change), else
 * next, frozen, so that "the same array" can only ever mean "the same counts".
 */
export function handOn<T>(last: readonly T[], next: T[]): readonly T[] {
  if (next.length === last.length && next.every((entry, i) => entry === last[i])) return last;
  return Object.freeze(next);
}
