/**
 * The protocol counters: ip_counters (one element holding every slot) with
 * one plain lookup, other_counters with one batched lookup, decoded through
 * a ReadingCache.
 */
import { ARRAY_SLOTS, CPU_MAJOR_TABLE, TABLE_SIZE, LAYOUT, OTHER_KEY_SIZE, decodeOtherKey, decodeSlot, entryMajor, type SlotKey, type Totals } from './layout.js';
import { BatchReader } from './batch-reader.js';
import { ReadingCache, handOn } from './reading-cache.js';
import type { Native } from '../libbpf/index.js';

export type SlotReading = SlotKey & Totals;

export interface CounterMaps {
  /**
   * Every counter that is not zero, cumulative since the maps were created.
   * Frozen; the same array as the last read's while no counter moved.
   */
  read(): readonly SlotReading[];
}

export function openCounterMaps(native: Native, ipMapFd: number, otherMapFd: number): CounterMaps {
  const reader = new BatchReader(native);
  // ip_counters is one element holding every slot: one plain lookup copies each CPU's table.
  const table = Buffer.alloc(reader.cpus * TABLE_SIZE);
  const zeroKey = Buffer.alloc(4);
  const other = reader.buffers(LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE);
  const otherLayout = entryMajor(reader.cpus);
  const cache = new ReadingCache<SlotReading>();
  let last: readonly SlotReading[] = Object.freeze([]);
  return {
    read(): readonly SlotReading[] {
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
      return (last = handOn(last, out));
    },
  };
}
