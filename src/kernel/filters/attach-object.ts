/**
 * The life of one attached filter: load the object, open its counters, attach
 * the program to a socket bound to an interface, and undo all of it in
 * reverse order, on failure half-way as on close(). What the caller opened
 * for it (spec.release) is released with it, on failure too.
 */
import { loadObject, type LoadSettings, type LoadedObject, type Native } from '../libbpf/index.js';
import type { InterfaceEvent } from '../../model/interface-events.js';
import type { AttachedFilter } from './types.js';
import { openFilteredSocket, type PacketSocket } from './packet-socket.js';

export interface ObjectAttachment {
  native: Native;
  objectPath: string;
  programName: string;
  /** Map sizes to set before load (the object's own otherwise). */
  mapSizes?: LoadSettings['mapSizes'];
  /** The object's .rodata as the program must see it (see loadObject), if it has settings. */
  readOnlyData?: Buffer;
  /** The interface to bind to; 0 for every interface. */
  ifindex: number;
  interfaceName: string;
  openCounters(object: LoadedObject): Pick<AttachedFilter, 'read' | 'readBreakdown'>;
  /** AttachedFilter.poll(), given the socket. */
  poll(socket: PacketSocket): InterfaceEvent[];
  /** What the caller acquired for poll() and read(), released last on close(). */
  release(): void;
}

/** What differs between filters: the object, its program, its map sizes and how its counters are read. */
export type CounterSpec = Pick<ObjectAttachment, 'objectPath' | 'programName' | 'mapSizes' | 'openCounters'>;

/**
 * Load an object, open its counters, attach its program to a socket bound to
 * the interface. On failure whatever was opened is closed again.
 */
export function attachObject(spec: ObjectAttachment): AttachedFilter {
  // Open and load: the verifier checks the program, the JIT compiles it.
  let object: LoadedObject;
  try {
    object = loadObject(spec.objectPath, spec.programName, spec.native, { mapSizes: spec.mapSizes, readOnlyData: spec.readOnlyData });
  } catch (err) {
    spec.release();
    throw err;
  }
  try {
    const counters = spec.openCounters(object);
    // Attach and bind: counting starts with the first frame after bind().
    const socket = openFilteredSocket(spec.ifindex, spec.interfaceName, object.programFd, spec.native);
    let closed = false;
    return {
      interface: spec.interfaceName,
      programFd: object.programFd,
      read: () => counters.read(),
      ...(counters.readBreakdown ? { readBreakdown: counters.readBreakdown } : {}),
      poll: () => spec.poll(socket),
      close() {
        if (closed) return;
        closed = true;
        // Reverse order of acquisition: the socket (detaches), the object, then what the caller opened before.
        socket.close();
        object.close();
        spec.release();
      },
    };
  } catch (err) {
    object.close();
    spec.release();
    throw err;
  }
}
