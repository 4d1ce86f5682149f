/**
 * `-i any`: one filter on an AF_PACKET socket bound to no interface, so it
 * sees every interface of the network namespace, with its counters keyed by
 * ifindex as well (bpf/sockex-any.bpf.c). Reading turns each ifindex into the
 * interface's name, kept current from the kernel's link notifications
 * (interface-names.ts), so a re-created or renamed interface carries its
 * right name at the next sample.
 */
import { fileURLToPath } from 'node:url';
import type { Reading } from '../model/counters.js';
import { attachObject } from './attach-object.js';
import { BatchReader } from './counter-maps.js';
import type { AttachedFilter, AttachOptions } from './filter.js';
import { LinkTable, type LinkUpdates } from './interface-names.js';
import { ANY_INTERFACE } from './interfaces.js';
import { LinkHeaderMap } from './link-header-map.js';
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
import { RouteSocket } from './rtnetlink.js';

/** Where the build puts the every-interface filter, in a clone and in the installed package alike. */
export const DEFAULT_ANY_OBJECT_PATH = fileURLToPath(new URL('../../../bpf/build/sockex-any.bpf.o', import.meta.url));

export function attachAnyFilter(options: AttachOptions = {}): AttachedFilter {
  const native = options.native ?? loadNative();
  // Following link notifications from before the first listing: no change after it is missed.
  const names = new LinkTable(new RouteSocket(native, true));
  return attachObject({
    native,
    objectPath: options.objectPath ?? DEFAULT_ANY_OBJECT_PATH,
    programName: ANY_PROGRAM_NAME,
    // Bound to no interface: every interface, from the first frame.
    ifindex: 0,
    interfaceName: ANY_INTERFACE,
    openCounters(object) {
      // The link-header length of every interface, kept current with the names.
      const linkHeaders = openLinkHeaderMap(native, object.mapFd(LINK_DIRECT_MAP), object.mapFd(LINK_MAP));
      const onLinks: LinkTypesHook = (updates) => {
        if (updates.changed.length + updates.gone.length > 0) linkHeaders.update(names.links());
      };
      return openAnyCounterMaps(native, object.mapFd(ANY_MAP), object.mapFd(ANY_OVERFLOW_MAP), names, onLinks);
    },
    // Bound to no interface: there is nothing the kernel can unbind.
    poll: () => [],
    release: () => names.close(),
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

/**
 * Where the filter's per-ifindex link types (its link-header lengths) are
 * kept current: called once when the counters are opened (before attach,
 * with every link) and then at every read with what appeared, changed or went
 * since.
 */
export type LinkTypesHook = (updates: LinkUpdates) => void;
const noLinkTypes: LinkTypesHook = () => undefined;

/** The names of ifindexes, kept current at every refresh (a LinkTable; a fake in tests). */
export type IfindexNames = Pick<LinkTable, 'refresh' | 'name'>;

/** Reads with one batched lookup for the per-interface counters, one for the overflow slots. */
export function openAnyCounterMaps(
  native: Native,
  countersFd: number,
  overflowFd: number,
  names: IfindexNames,
  onLinks: LinkTypesHook = noLinkTypes,
): AnyCounterMaps {
  const reader = new BatchReader(native);
  const cpus = reader.cpus;
  const counters = reader.buffers(LAYOUT.SOCKEX_ANY_MAX, ANY_KEY_SIZE);
  const overflow = reader.buffers(LAYOUT.SOCKEX_DIRECTIONS, 4);

  // Every link known before the first frame (openCounters runs before attach).
  onLinks(names.refresh());
  return {
    get lastReadCost() {
      return reader.lastReadCost;
    },
    read(): Reading[] {
      reader.startRead();
      onLinks(names.refresh());
      // Each ifindex is its own counter (counterId holds it), so an interface
      // deleted and created again under one name, or two that swapped names,
      // never share one and none goes backwards.
      const readings: Reading[] = [];
      const n = reader.lookupAll(countersFd, counters, 'the per-interface counters');
      for (let i = 0; i < n; i++) {
        const totals = sumPerCpu(counters.values, i, cpus);
        if (!totals) continue;
        const { ifindex, ...key } = decodeAnyKey(counters.keys, i * ANY_KEY_SIZE);
        readings.push({ interface: names.name(ifindex), ifindex, ...key, ...totals });
      }
      const m = reader.lookupAll(overflowFd, overflow, 'the overflow counters');
      for (let i = 0; i < m; i++) {
        const totals = sumPerCpu(overflow.values, i, cpus);
        if (totals) readings.push({ interface: ANY_INTERFACE, ifindex: 0, ...decodeAnyOverflowSlot(overflow.keys.readUInt32LE(i * 4)), ...totals });
      }
      return readings;
    },
  };
}
