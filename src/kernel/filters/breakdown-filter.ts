/**
 * --by port / --by host: the breakdown filter (bpf/sockex-by.bpf.c) counts
 * each frame once, a split protocol's in the breakdown table (or, that full,
 * in the protocol's own counter as its "other"), the rest in the protocol
 * maps as the protocol filter does. attachFilter binds it like the protocol
 * filter; this says what to load and how to read it.
 */
import { PartsTotals, type BreakdownBy } from '../../model/breakdown.js';
import { CounterReads } from '../../model/counter-read.js';
import type { CounterSpec } from './attach-object.js';
import { placedReadings } from './placed-readings.js';
import { compiledFilter } from './compiled-filters.js';
import { BY_LAYOUT, BY_MAP, BY_PROGRAM_NAME, byObjectName, openBreakdownTable, openCounterMaps, IP_MAP, OTHER_MAP } from '../maps/index.js';
import type { CounterPlace } from './types.js';
import type { Native } from '../libbpf/index.js';

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
      const table = openBreakdownTable(native, object.mapFd(BY_MAP), options.by, maxEntries);
      const placed = placedReadings(place);
      const placeOf = (): CounterPlace => place;
      const reads = new CounterReads();
      const totals = new PartsTotals(options.by);
      return {
        // Each map once: every frame is in one of them only, so the parts add
        // up to the totals made of them whenever the reads happen.
        read: () => reads.ofParts(placed(protocols.read()), table.read(placeOf, true), (readings, parts) => totals.addUp(readings, parts)),
      };
    },
  };
}
