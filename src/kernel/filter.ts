/**
 * One sockex filter attached to one interface: the loaded object, the socket
 * holding the program, and the counter maps. Each interface gets its own
 * object, so its counts are its own.
 */
import { fileURLToPath } from 'node:url';
import type { Reading } from '../model/counters.js';
import { attachAnyFilter } from './any-filter.js';
import { attachObject } from './attach-object.js';
import { openCounterMaps, type CounterMaps } from './counter-maps.js';
import { ANY_INTERFACE, interfaceIndex } from './interfaces.js';
import { IP_MAP, OTHER_MAP, PROGRAM_NAME, filterReadOnlyData } from './layout.js';
import { LINK_UNKNOWN, linkHeaderLength, linkType } from './link-header.js';
import { loadNative, type Native } from './native.js';

/** Where the build puts the filter, in a clone and in the installed package alike. */
export const DEFAULT_OBJECT_PATH = fileURLToPath(new URL('../../../bpf/build/sockex.bpf.o', import.meta.url));

export interface AttachedFilter {
  readonly interface: string;
  readonly programFd: number;
  read(): Reading[];
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
}

export function attachFilter(interfaceName: string, options: AttachOptions = {}): AttachedFilter {
  // Every interface needs counters keyed by interface too: its own filter.
  if (interfaceName === ANY_INTERFACE) return attachAnyFilter(options);
  const native = options.native ?? loadNative();
  const ifindex = interfaceIndex(interfaceName);
  return attachObject({
    native,
    objectPath: options.objectPath ?? DEFAULT_OBJECT_PATH,
    programName: PROGRAM_NAME,
    // The link-header length, so the filter reads packet bytes at fixed offsets from skb->data.
    readOnlyData: filterReadOnlyData(interfaceLinkHeaderLength(native, interfaceName)),
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

/** From the interface's ARPHRD type in our own namespace; the fallback when it cannot be known. */
function interfaceLinkHeaderLength(native: Native, interfaceName: string): number {
  const type = linkType(native, interfaceName);
  return type === undefined ? LINK_UNKNOWN : linkHeaderLength(type);
}
