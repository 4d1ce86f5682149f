/**
 * --by port / --by host: the breakdown filter (bpf/sockex-by.bpf.c) counts
 * the protocol totals exactly as the protocol filter does, in the same maps,
 * plus the breakdown table, sized at load. attachFilter binds it like the
 * protocol filter; this says what to load and how to read it.
 */
import { fileURLToPath } from 'node:url';
import type { BreakdownBy, BreakdownReading } from '../model/breakdown.js';
import type { CounterSpec } from './attach-object.js';
import { BY_KEY_SIZE, BY_LAYOUT, BY_MAP, BY_OVERFLOW_MAP, BY_PROGRAM_NAME, byObjectName, decodeByKey, decodeByOverflowSlot } from './breakdown-layout.js';
import { BatchReader, openCounterMaps } from './counter-maps.js';
import type { CounterPlace } from './filter.js';
import { ARRAY_SLOTS, CPU_MAJOR_TABLE, IP_MAP, OTHER_MAP, TABLE_SIZE, sumPerCpu } from './layout.js';
import type { Native } from './native.js';

/** Where the build puts the breakdown filters, in a clone and in the installed package alike. */
const OBJECT_DIRECTORY = fileURLToPath(new URL('../../../bpf/build/', import.meta.url));

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
    objectPath: options.objectPath ?? `${OBJECT_DIRECTORY}${byObjectName(options.by)}`,
    programName: BY_PROGRAM_NAME,
    mapSizes: { [BY_MAP]: maxEntries },
    openCounters(object) {
      const protocols = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
      const breakdown = openBreakdownMaps(native, object.mapFd(BY_MAP), object.mapFd(BY_OVERFLOW_MAP), options.by, maxEntries);
      return {
        read: () => protocols.read().map((slot) => ({ ...place, ...slot })),
        readBreakdown: () => breakdown.read().map((key) => ({ ...place, ...key })),
        get lastReadCost() {
          const a = protocols.lastReadCost;
          const b = breakdown.lastReadCost;
          return { syscalls: a.syscalls + b.syscalls, bytes: a.bytes + b.bytes };
        },
      };
    },
  };
}

type Unplaced = Omit<BreakdownReading, 'interface' | 'ifindex'>;

export interface BreakdownMaps {
  /** Every non-zero breakdown counter, the overflow ("other") ones included. */
  read(): Unplaced[];
  readonly lastReadCost: { syscalls: number; bytes: number };
}

/** One batched lookup for the table, one plain lookup for the overflow slots. */
export function openBreakdownMaps(native: Native, countersFd: number, overflowFd: number, by: readonly BreakdownBy[], maxEntries: number): BreakdownMaps {
  const reader = new BatchReader(native);
  const counters = reader.buffers(maxEntries, BY_KEY_SIZE);
  const overflow = Buffer.alloc(reader.cpus * TABLE_SIZE);
  const zeroKey = Buffer.alloc(4);
  return {
    get lastReadCost() {
      return reader.lastReadCost;
    },
    read(): Unplaced[] {
      reader.startRead();
      const out: Unplaced[] = [];
      const n = reader.lookupAll(countersFd, counters, 'the breakdown counters');
      for (let i = 0; i < n; i++) {
        const totals = sumPerCpu(counters.values, i, reader.cpus);
        if (totals) out.push({ ...decodeByKey(counters.keys, i * BY_KEY_SIZE, by), ...totals });
      }
      reader.lookupOne(overflowFd, zeroKey, overflow, 'the breakdown overflow counters');
      for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
        const totals = sumPerCpu(overflow, slot, reader.cpus, CPU_MAJOR_TABLE);
        const key = totals && decodeByOverflowSlot(slot, by);
        if (totals && key) out.push({ ...key, ...totals });
      }
      return out;
    },
  };
}
