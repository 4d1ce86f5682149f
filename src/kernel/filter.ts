/**
 * One sockex filter attached to one interface: the loaded object, the socket
 * holding the program, and the counter maps. Each interface gets its own
 * object, so its counts are its own.
 */
import { fileURLToPath } from 'node:url';
import type { Reading } from '../model/counters.js';
import { attachAnyFilter } from './any-filter.js';
import { loadObject } from './bpf-object.js';
import { openCounterMaps, type CounterMaps } from './counter-maps.js';
import { ANY_INTERFACE, interfaceIndex } from './interfaces.js';
import { IP_MAP, OTHER_MAP, PROGRAM_NAME } from './layout.js';
import { loadNative, type Native } from './native.js';
import { openFilteredSocket } from './packet-socket.js';

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
  // Open and load: the verifier checks the program, the JIT compiles it.
  const object = loadObject(options.objectPath ?? DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  try {
    const maps = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
    // Attach and bind: counting starts with the first frame after bind().
    const socket = openFilteredSocket(ifindex, interfaceName, object.programFd, native);
    let closed = false;
    return {
      interface: interfaceName,
      programFd: object.programFd,
      read: () => maps.read().map((slot) => ({ interface: interfaceName, ...slot })),
      get lastReadCost() {
        return maps.lastReadCost;
      },
      // SIOCGIFINDEX in our own network namespace; sysfs may show another one.
      present: () => ifindex === 0 || native.libc.ifNameToIndex(interfaceName) === ifindex,
      close() {
        if (closed) return;
        closed = true;
        // Reverse order of acquisition: the socket (detaches), then the object.
        socket.close();
        object.close();
      },
    };
  } catch (err) {
    object.close();
    throw err;
  }
}
