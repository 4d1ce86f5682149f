/**
 * --by port / --by host: the breakdown filter (bpf/sockex-by.bpf.c) counts
 * the protocol totals exactly as the protocol filter does, in the same maps,
 * plus the breakdown table, sized at load. attachFilter binds it like the
 * protocol filter; this says what to load and how to read it.
 */
import { breakdownAddsUp, type BreakdownBy, type BreakdownKey, type BreakdownReading } from '../../model/breakdown.js';
import { counterRead } from '../../model/counter-read.js';
import type { CounterSpec } from './attach-object.js';
import { placedReadings } from './placed-readings.js';
import { compiledFilter } from './compiled-filters.js';
import { BY_KEY_SIZE, BY_LAYOUT, BY_MAP, BY_OVERFLOW_MAP, BY_PROGRAM_NAME, byObjectName, decodeByKey, decodeByOverflowSlot, BatchReader, openCounterMaps, ARRAY_SLOTS, CPU_MAJOR_TABLE, IP_MAP, OTHER_MAP, TABLE_SIZE, sumPerCpu } from '../maps/index.js';
import type { CounterPlace } from './types.js';
import type { Native } from '../libbpf/index.js';

/** How many times read() takes both maps at most, looking for a pair that agrees. */
const CONSISTENT_READ_TRIES = 4;

export interface BreakdownOptions {
  by: readonly BreakdownBy[];
  /** The table's size (default SOCKEX_BY_DEFAULT_MAX). */
  maxEntries?: number | undefined;
  /** Another build to load (--object). */
  objectPath?: string | undefined;
}

/** The breakdown filter's object, sizes and counters, for attachObject. */
export function breakdownCounters(native: Native, place: CounterPlace, options: BreakdownOptions): CounterSpec {
  const maxEntries = options.maxEntries ?? BY_LAYOUT.SOCKEX_BY_DEFAULT_MAX;
  return {
    objectPath: options.objectPath ?? compiledFilter(byObjectName(options.by)),
    programName: BY_PROGRAM_NAME,
    mapSizes: { [BY_MAP]: maxEntries },
    openCounters(object) {
      const protocols = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
      const breakdown = openBreakdownMaps(native, object.mapFd(BY_MAP), object.mapFd(BY_OVERFLOW_MAP), { place, by: options.by, maxEntries });
      const placed = placedReadings(place);
      return {
        // The protocol counters and the breakdown are two maps, read one after
        // the other: a frame counted between the reads would be in one only.
        // Read both again (a few times at most) until they agree, so a sample
        // adds up to the byte whenever traffic leaves a read's worth of quiet;
        // under steady traffic the last pair is taken as it is.
        read: () => {
          let slots = protocols.read();
          let parts = breakdown.read();
          for (let tries = 1; tries < CONSISTENT_READ_TRIES && !breakdownAddsUp(slots, parts, options.by); tries++) {
            slots = protocols.read();
            parts = breakdown.read();
          }
          // The breakdown is read anew each time: every read is a new one.
          return counterRead(placed(slots), parts);
        },
      };
    },
  };
}

interface BreakdownMaps {
  /** Every non-zero breakdown counter, the overflow ("other") ones included. */
  read(): BreakdownReading[];
}

/**
 * One batched lookup for the table, one plain lookup for the overflow slots.
 * Keys are decoded once: the kernel never deletes one, so the cache holds at
 * most the table's size.
 */
function openBreakdownMaps(
  native: Native,
  countersFd: number,
  overflowFd: number,
  { place, by, maxEntries }: { place: CounterPlace; by: readonly BreakdownBy[]; maxEntries: number },
): BreakdownMaps {
  const reader = new BatchReader(native);
  const counters = reader.buffers(maxEntries, BY_KEY_SIZE);
  const overflow = Buffer.alloc(reader.cpus * TABLE_SIZE);
  const zeroKey = Buffer.alloc(4);
  const decoded = new Map<string, BreakdownKey>();
  const keyAt = (offset: number): BreakdownKey => {
    const raw = counters.keys.toString('latin1', offset, offset + BY_KEY_SIZE);
    let key = decoded.get(raw);
    if (!key) decoded.set(raw, (key = { ...place, ...decodeByKey(counters.keys, offset, by) }));
    return key;
  };
  const overflowKeys = new Map<number, BreakdownKey | undefined>();
  const overflowKeyOf = (slot: number): BreakdownKey | undefined => {
    if (!overflowKeys.has(slot)) {
      const key = decodeByOverflowSlot(slot, by);
      overflowKeys.set(slot, key && { ...place, ...key });
    }
    return overflowKeys.get(slot);
  };
  return {
    read(): BreakdownReading[] {
      const out: BreakdownReading[] = [];
      const n = reader.lookupAll(countersFd, counters, 'the breakdown counters');
      for (let i = 0; i < n; i++) {
        const totals = sumPerCpu(counters.values, i, reader.cpus);
        if (totals) out.push({ ...keyAt(i * BY_KEY_SIZE), ...totals });
      }
      reader.lookupOne(overflowFd, zeroKey, overflow, 'the breakdown overflow counters');
      for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
        const totals = sumPerCpu(overflow, slot, reader.cpus, CPU_MAJOR_TABLE);
        const key = totals && overflowKeyOf(slot);
        if (totals && key) out.push({ ...key, ...totals });
      }
      return out;
    },
  };
}
