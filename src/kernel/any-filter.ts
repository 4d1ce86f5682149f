/**
 * `-i any`: one filter on an AF_PACKET socket bound to no interface, so it
 * sees every interface of the network namespace, with its counters keyed by
 * ifindex as well (bpf/sockex-any.bpf.c). Reading turns each ifindex into the
 * interface's name.
 */
import { fileURLToPath } from 'node:url';
import { counterId, type Reading } from '../model/counters.js';
import { attachObject } from './attach-object.js';
import { BatchReader } from './counter-maps.js';
import type { AttachedFilter, AttachOptions } from './filter.js';
import { InterfaceNames } from './interface-names.js';
import { ANY_INTERFACE } from './interfaces.js';
import { LinkHeaderMap } from './link-header-map.js';
import type { Link } from './link-header.js';
import {
  ANY_KEY_SIZE,
  ANY_MAP,
  ANY_OVERFLOW_MAP,
  ANY_PROGRAM_NAME,
  LAYOUT,
  LINK_DIRECT_MAP,
  LINK_MAP,
  decodeAnyKey,
  decodeAnyOverflowSlot,
  sumPerCpu,
} from './layout.js';
import { loadNative, type Native } from './native.js';

/** Where the build puts the every-interface filter, in a clone and in the installed package alike. */
export const DEFAULT_ANY_OBJECT_PATH = fileURLToPath(new URL('../../../bpf/build/sockex-any.bpf.o', import.meta.url));

export interface AnyFilter extends AttachedFilter {
  /**
   * Tell the filter every interface present now and its ARPHRD type, so it
   * reads each one's frames at the right offsets; interfaces not listed are
   * forgotten. Each read() does this itself from if_nameindex() unless
   * followLinks(false) was called (for a caller that follows link events).
   */
  updateLinkTypes(links: readonly Link[]): void;
  followLinks(atEachRead: boolean): void;
}

export function attachAnyFilter(options: AttachOptions = {}, names: InterfaceNames = new InterfaceNames()): AnyFilter {
  const native = options.native ?? loadNative();
  let links: LinkHeaderMap | undefined;
  let atEachRead = true;
  const filter = attachObject({
    native,
    objectPath: options.objectPath ?? DEFAULT_ANY_OBJECT_PATH,
    programName: ANY_PROGRAM_NAME,
    // Bound to no interface: every interface, from the first frame.
    ifindex: 0,
    interfaceName: ANY_INTERFACE,
    openCounters(object) {
      links = openLinkHeaderMap(native, object.mapFd(LINK_DIRECT_MAP), object.mapFd(LINK_MAP));
      // Before attach, so the first frames are read at the right offsets.
      links.refresh(native);
      const counters = openAnyCounterMaps(native, object.mapFd(ANY_MAP), object.mapFd(ANY_OVERFLOW_MAP), names);
      return {
        read() {
          if (atEachRead) links?.refresh(native);
          return counters.read();
        },
        get lastReadCost() {
          return counters.lastReadCost;
        },
      };
    },
    // Bound to no interface: there is nothing that can disappear.
    present: () => true,
  });
  return Object.assign(filter, {
    updateLinkTypes: (list: readonly Link[]) => links?.update(list),
    followLinks: (on: boolean) => {
      atEachRead = on;
    },
  });
}

/** The filter's ifindex -> link-header length maps (see bpf/sockex-any.bpf.c), written through their fds. */
export function openLinkHeaderMap(native: Native, directFd: number, hashFd: number): LinkHeaderMap {
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(4);
  const direct = (ifindex: number): boolean => ifindex < LAYOUT.SOCKEX_LINKS_DIRECT;
  return new LinkHeaderMap({
    set(ifindex, length) {
      key.writeUInt32LE(ifindex);
      value.writeUInt32LE(direct(ifindex) ? length + 1 : length);
      // The hash full (SOCKEX_LINKS_MAX interfaces): that interface takes the fallback.
      native.libbpf.mapUpdateElem(direct(ifindex) ? directFd : hashFd, key, value, 0);
    },
    delete(ifindex) {
      key.writeUInt32LE(ifindex);
      if (direct(ifindex)) {
        value.writeUInt32LE(0); // not known: the fallback
        native.libbpf.mapUpdateElem(directFd, key, value, 0);
      } else {
        native.libbpf.mapDeleteElem(hashFd, key);
      }
    },
  });
}

export interface AnyCounterMaps {
  read(): Reading[];
  readonly lastReadCost: { syscalls: number; bytes: number };
}

/** Reads with one batched lookup for the per-interface counters, one for the overflow slots. */
export function openAnyCounterMaps(native: Native, countersFd: number, overflowFd: number, names: InterfaceNames = new InterfaceNames()): AnyCounterMaps {
  const reader = new BatchReader(native);
  const cpus = reader.cpus;
  const counters = reader.buffers(LAYOUT.SOCKEX_ANY_MAX, ANY_KEY_SIZE);
  const overflow = reader.buffers(LAYOUT.SOCKEX_DIRECTIONS, 4);

  return {
    get lastReadCost() {
      return reader.lastReadCost;
    },
    read(): Reading[] {
      reader.startRead();
      names.refresh();
      // Two ifindexes can carry one name (an interface deleted and created
      // again): their counts add up under that name, so no id repeats.
      const byId = new Map<string, Reading>();
      const add = (reading: Reading): void => {
        const id = counterId(reading);
        const before = byId.get(id);
        byId.set(id, before ? { ...reading, bytes: before.bytes + reading.bytes, packets: before.packets + reading.packets } : reading);
      };
      const n = reader.lookupAll(countersFd, counters, 'the per-interface counters');
      for (let i = 0; i < n; i++) {
        const totals = sumPerCpu(counters.values, i, cpus);
        if (!totals) continue;
        const { ifindex, ...key } = decodeAnyKey(counters.keys, i * ANY_KEY_SIZE);
        add({ interface: names.name(ifindex), ifindex, ...key, ...totals });
      }
      const m = reader.lookupAll(overflowFd, overflow, 'the overflow counters');
      for (let i = 0; i < m; i++) {
        const totals = sumPerCpu(overflow.values, i, cpus);
        if (totals) add({ interface: ANY_INTERFACE, ifindex: 0, ...decodeAnyOverflowSlot(overflow.keys.readUInt32LE(i * 4)), ...totals });
      }
      return [...byId.values()];
    },
  };
}
