/**
 * The life of one attached filter: load the object, open its counters, attach
 * the program to a socket bound to an interface, and undo all of it in
 * reverse order, on failure half-way as on close(). What the caller opened
 * for it (spec.release) is released with it, on failure too.
 *
 * The counters read maps of their own (duplicates of the object's map fds),
 * so the program can be loaded again with other settings (another link
 * header) into the same maps and the first object closed: counting goes on.
 */
import { SyscallError, errnoName } from '../../errors.js';
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
  /** Other data sections to set before load (see loadObject). */
  sections?: LoadSettings['sections'];
  /** Maps of another object to take over at every load (the socket hooks' owner maps for --by process). */
  sharedMaps?: ReadonlyMap<string, number>;
  /** The interface to bind to; 0 for every interface. */
  ifindex: number;
  interfaceName: string;
  openCounters(maps: CounterMapFds): Pick<AttachedFilter, 'read'>;
  /**
   * AttachedFilter.poll(), given the socket and a way to load the program
   * again with other .rodata into the same maps (it takes the old one's place
   * on the socket in one step).
   */
  poll(socket: PacketSocket, reload: (readOnlyData: Buffer) => void): InterfaceEvent[];
  /** What the caller acquired for poll() and read(), released last on close(). */
  release(): void;
}

/** The fds of the object's maps, by name, as the counters read them. */
type CounterMapFds = Pick<LoadedObject, 'mapFd'>;

/** What differs between filters: the object, its program, its map sizes and how its counters are read. */
export type CounterSpec = Pick<ObjectAttachment, 'objectPath' | 'programName' | 'mapSizes' | 'openCounters'>;

/**
 * Load an object, open its counters, attach its program to a socket bound to
 * the interface. On failure whatever was opened is closed again.
 */
export function attachObject(spec: ObjectAttachment): AttachedFilter {
  const load = (readOnlyData: Buffer | undefined, reuseMaps: ReadonlyMap<string, number> = new Map()): LoadedObject =>
    loadObject(spec.objectPath, spec.programName, spec.native, {
      mapSizes: spec.mapSizes,
      readOnlyData,
      sections: spec.sections,
      reuseMaps: new Map([...(spec.sharedMaps ?? []), ...reuseMaps]),
    });
  // Open and load: the verifier checks the program, the JIT compiles it.
  let object: LoadedObject;
  try {
    object = load(spec.readOnlyData);
  } catch (err) {
    spec.release();
    throw err;
  }
  const maps = new OwnMapFds(spec.native, object);
  try {
    const counters = spec.openCounters(maps);
    // Attach and bind: counting starts with the first frame after bind().
    const socket = openFilteredSocket(spec.ifindex, spec.interfaceName, object.programFd, spec.native);
    const reload = (readOnlyData: Buffer): void => {
      const next = load(readOnlyData, maps.fds);
      try {
        socket.attach(next.programFd);
      } catch (err) {
        next.close();
        throw err;
      }
      object.close();
      object = next;
    };
    let closed = false;
    return {
      interface: spec.interfaceName,
      get programFd() {
        return object.programFd;
      },
      read: () => counters.read(),
      poll: () => spec.poll(socket, reload),
      close() {
        if (closed) return;
        closed = true;
        // Reverse order of acquisition: the socket (detaches), the object, the counters' maps, then what the caller opened before.
        socket.close();
        object.close();
        maps.close();
        spec.release();
      },
    };
  } catch (err) {
    object.close();
    maps.close();
    spec.release();
    throw err;
  }
}

/** Duplicates of an object's map fds, made as the counters ask for them, that outlive the object. */
class OwnMapFds implements CounterMapFds {
  readonly fds = new Map<string, number>();
  private readonly native: Native;
  private readonly object: LoadedObject;

  constructor(native: Native, object: LoadedObject) {
    this.native = native;
    this.object = object;
  }

  mapFd(name: string): number {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      fd = this.native.libc.dupCloexec(this.object.mapFd(name));
      if (fd < 0) {
        const errno = this.native.errno();
        throw new SyscallError('syscall', 'fcntl', errno, `cannot duplicate the fd of map ${name} (${errnoName(errno)})`);
      }
      this.fds.set(name, fd);
    }
    return fd;
  }

  close(): void {
    for (const fd of this.fds.values()) this.native.libc.close(fd);
    this.fds.clear();
  }
}
