/**
 * The maps room: the byte layout the filters share with user space
 * (bpf/sockex.h, read from the same numbers), and reading the counter maps.
 */
export { IP_MAP, OTHER_MAP, PROGRAM_NAME, filterReadOnlyData, sumPerCpu } from './layout.js';
export { ANY_KEY_SIZE, ANY_MAP, ANY_OVERFLOW_MAP, ANY_PROGRAM_NAME, LAYOUT, LINK_DIRECT_MAP, LINK_MAP } from './layout.js';
export { decodeAnyKey, decodeAnyOverflowSlot, entryMajor, type SlotKey, type Totals } from './layout.js';
export { BY_LAYOUT, DEFAULT_MAX_ENTRIES, MAX_MAX_ENTRIES, BY_MAP, ANY_BY_PROGRAM_NAME, BY_PROGRAM_NAME, byObjectName } from './breakdown-layout.js';
export { openBreakdownTable, type BreakdownPlace } from './breakdown-table.js';
export { BatchReader } from './batch-reader.js';
export { openCounterMaps, type SlotReading } from './counter-maps.js';
export { LastRead, ReadingCache } from './reading-cache.js';
export { LinkHeaderMap } from './link-header-map.js';
export { linkHeaderLength } from './link-header.js';
