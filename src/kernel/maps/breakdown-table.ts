/**
 * by_counters, the breakdown filters' table (bpf/breakdown-count.h): every
 * non-zero part with one batched lookup, under the interface its key's
 * ifindex names; and, for -i any, the parts of interfaces that went, read
 * once more and deleted from the kernel's table.
 */
import type { BreakdownBy, BreakdownKey, BreakdownReading } from '../../model/breakdown.js';
import type { Native } from '../libbpf/index.js';
import { BatchReader } from './batch-reader.js';
import { EntriesByPosition } from './entries-by-position.js';
import { LastRead, handOn } from './reading-cache.js';
import { byKeyIfindex, byKeySize, decodeByKey, type KeyWithoutInterface } from './breakdown-layout.js';
import { sumPerCpu, type Totals } from './layout.js';

/** Which interface (and which link of its ifindex) a part belongs to. */
export type BreakdownPlace = Pick<BreakdownKey, 'interface' | 'ifindex' | 'generation'>;

export interface BreakdownTable {
  /**
   * Every non-zero part, placed by its key's ifindex. Frozen; the same array
   * as the last read's while no count moved and samePlaces says no name did.
   */
  read(placeOf: (ifindex: number) => BreakdownPlace, samePlaces: boolean): readonly BreakdownReading[];
  /** The parts of these ifindexes (placed as given), deleted from the table: the kernel counts theirs anew from zero. */
  close(ended: ReadonlyMap<number, BreakdownPlace>): BreakdownReading[];
}

export function openBreakdownTable(native: Native, fd: number, by: readonly BreakdownBy[], maxEntries: number): BreakdownTable {
  const reader = new BatchReader(native);
  const keySize = byKeySize(by);
  const table = reader.buffers(maxEntries, keySize);
  // Keys are decoded once, and forgotten when user space deletes them: the kernel never does.
  const decoded = new Map<string, KeyWithoutInterface>();
  const rawKey = (i: number): string => table.keys.toString('latin1', i * keySize, (i + 1) * keySize);
  const keyAt = (i: number): KeyWithoutInterface => {
    const raw = rawKey(i);
    let key = decoded.get(raw);
    if (!key) decoded.set(raw, (key = decodeByKey(table.keys, i * keySize, by)));
    return key;
  };
  const deleteKey = Buffer.alloc(keySize);
  // A quiet table (the common case with thousands of keys) is told by two memcmp()s, not a walk.
  const lastRead = new LastRead(table);
  // A busy table: only the parts that moved get new readings.
  const byPosition = new EntriesByPosition<BreakdownReading>(table);
  let last: readonly BreakdownReading[] = Object.freeze([]);
  return {
    read(placeOf, samePlaces) {
      const n = reader.lookupAll(fd, table, 'the breakdown counters');
      if (lastRead.same(table, n, reader.cpus) && samePlaces) return last;
      const made = byPosition.map(table, n, reader.cpus, samePlaces, (i) => {
        const totals = sumPerCpu(table.values, i, reader.cpus);
        return totals && Object.freeze(readingOf(placeOf(byKeyIfindex(table.keys, i * keySize)), keyAt(i), totals));
      });
      return (last = handOn(last, made.filter((r) => r !== undefined)));
    },
    close(ended) {
      const out: BreakdownReading[] = [];
      const n = reader.lookupAll(fd, table, 'the breakdown counters');
      for (let i = 0; i < n; i++) {
        const place = ended.get(byKeyIfindex(table.keys, i * keySize));
        if (!place) continue;
        const totals = sumPerCpu(table.values, i, reader.cpus);
        if (totals) out.push(readingOf(place, keyAt(i), totals));
        table.keys.copy(deleteKey, 0, i * keySize, (i + 1) * keySize);
        native.libbpf.mapDeleteElem(fd, deleteKey);
        decoded.delete(rawKey(i));
      }
      return out;
    },
  };
}

/**
 * A part's reading. Its place and counts are written out, not spread: an
 * object spread from three others took ~450 bytes of heap against ~150, and
 * with thousands of keys every byte of a reading counts (issue 19's RSS).
 */
function readingOf(place: BreakdownPlace, key: KeyWithoutInterface, totals: Totals): BreakdownReading {
  const { interface: name, ifindex, generation } = place;
  return { interface: name, ifindex, ...(generation === undefined ? {} : { generation }), ...key, bytes: totals.bytes, packets: totals.packets };
}
