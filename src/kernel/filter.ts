/**
 * One sockex filter attached to one interface: the loaded object, the socket
 * holding the program, and the counter maps. Each interface gets its own
 * object, so its counts are its own.
 */
import { fileURLToPath } from 'node:url';
import type { BreakdownBy, BreakdownReading } from '../model/breakdown.js';
import type { Reading } from '../model/counters.js';
import { attachAnyFilter } from './any-filter.js';
import { attachObject } from './attach-object.js';
import { attachBreakdownFilter } from './breakdown-filter.js';
import { openCounterMaps, type CounterMaps } from './counter-maps.js';
import { ANY_INTERFACE, interfaceIndex } from './interfaces.js';
import { IP_MAP, OTHER_MAP, PROGRAM_NAME } from './layout.js';
import { loadNative, type Native } from './native.js';

/** Where the build puts the filter, in a clone and in the installed package alike. */
export const DEFAULT_OBJECT_PATH = fileURLToPath(new URL('../../../bpf/build/sockex.bpf.o', import.meta.url));

export interface AttachedFilter {
  readonly interface: string;
  readonly programFd: number;
  read(): Reading[];
  /** With a breakdown (--by): its counters, cumulative like read()'s. */
  readBreakdown?(): BreakdownReading[];
  readonly lastReadCost: CounterMaps['lastReadCost'];
  /**
   * The interface is still there (same name, same ifindex). When it is
   * deleted the kernel unbinds the socket, and the maps keep their last counts.
   */
  present(): boolean;
  /** Detach (close the socket) and unload. Safe to call twice. */
  close(): void;
}

export interface AttachOptions {
  objectPath?: string;
  native?: Native;
  /** Split IP counters by port and/or host (loads the breakdown filter); empty or absent: protocols only. */
  by?: readonly BreakdownBy[];
  /** The breakdown table's size (default SOCKEX_BY_DEFAULT_MAX). */
  maxEntries?: number;
}

export function attachFilter(interfaceName: string, options: AttachOptions = {}): AttachedFilter {
  // Every interface needs counters keyed by interface too: its own filter.
  if (interfaceName === ANY_INTERFACE) return attachAnyFilter(options);
  if (options.by && options.by.length > 0) return attachBreakdownFilter(interfaceName, { ...options, by: options.by });
  const native = options.native ?? loadNative();
  const ifindex = interfaceIndex(interfaceName);
  return attachObject({
    native,
    objectPath: options.objectPath ?? DEFAULT_OBJECT_PATH,
    programName: PROGRAM_NAME,
    ifindex,
    interfaceName,
    openCounters(object) {
      const maps = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
      return {
        read: () => maps.read().map((slot) => ({ interface: interfaceName, ifindex, ...slot })),
        get lastReadCost() {
          return maps.lastReadCost;
        },
      };
    },
    // SIOCGIFINDEX in our own network namespace; sysfs may show another one.
    present: () => native.libc.ifNameToIndex(interfaceName) === ifindex,
  });
}
