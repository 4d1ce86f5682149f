/**
 * attachFilter: sockex's filter on one interface, or on every interface
 * (-i any: any-filter.ts). It finds the interface, picks the protocol filter
 * or, with --by, the breakdown filter (breakdown-filter.ts), and leaves
 * loading, attaching and closing to attach-object.ts. Each interface gets its
 * own object, so its counts are its own.
 */
import { asSockexError } from '../../errors.js';
import { CounterReads } from '../../model/counter-read.js';
import { attachAnyFilter } from './any-filter.js';
import { attachObject, type CounterSpec } from './attach-object.js';
import { BoundInterface, type Binding } from './bound-interface.js';
import type { PacketSocket } from './packet-socket.js';
import { breakdownCounters } from './breakdown-filter.js';
import { builtFilter, compiledFilter } from './compiled-filters.js';
import { openCounterMaps, IP_MAP, OTHER_MAP, PROGRAM_NAME, filterReadOnlyData, linkHeaderLength } from '../maps/index.js';
import { LinkTable, ANY_INTERFACE, findInterface, RouteSocket } from '../links/index.js';
import { loadNative, type Native } from '../libbpf/index.js';
import { ownersFor, sweepingOwners } from './owner-counters.js';
import type { OwnerTap } from '../who/index.js';
import type { AttachedFilter, AttachOptions, CounterPlace } from './types.js';
import { placedReadings } from './placed-readings.js';

const OBJECT_NAME = 'sockex.bpf.o';
/** Where the build puts the filter, in a clone and in the installed package alike. */
export const DEFAULT_OBJECT_PATH = builtFilter(OBJECT_NAME);

export function attachFilter(interfaceName: string, options: AttachOptions = {}): AttachedFilter {
  // Every interface needs counters keyed by interface too: its own filter.
  if (interfaceName === ANY_INTERFACE) return attachAnyFilter(options);
  const native = options.native ?? loadNative();
  // Following link notifications from before the listing: no change after it is missed.
  const links = new LinkTable(new RouteSocket(native, true));
  let ifindex: number;
  let linkType: number;
  try {
    links.refresh();
    ({ ifindex, type: linkType } = findInterface(interfaceName, links.links()));
  } catch (err) {
    links.close();
    throw err;
  }
  const bound = new BoundInterface(interfaceName, { ifindex, type: linkType }, links, () => performance.now());
  // The ifindex it had at the start, also after a rebind to a new one: the maps
  // go on counting, so the counters must stay the same series.
  const place = { interface: interfaceName, ifindex };
  const counters =
    options.by && options.by.length > 0
      ? breakdownCounters(native, place, { by: options.by, maxEntries: options.maxEntries, objectPath: options.objectPath })
      : protocolCounters(native, place, options.objectPath);
  let owners: OwnerTap | undefined;
  try {
    owners = ownersFor(native, options);
  } catch (err) {
    links.close();
    throw err;
  }
  // Made at the first poll, once the socket is there; it remembers the link header the filter reads.
  let binding: Binding | undefined;
  return attachObject({
    native,
    ...(owners ? sweepingOwners(counters, owners) : counters),
    // The link-header length, so either filter reads packet bytes at fixed offsets from skb->data.
    readOnlyData: filterReadOnlyData(linkHeaderLength(linkType)),
    sharedMaps: owners?.sharedMaps,
    sections: owners?.sections,
    ifindex,
    interfaceName,
    poll: (socket, reload) => bound.poll((binding ??= linkTyped(socket, linkType, reload))),
    release: () => {
      links.close();
      owners?.release();
    },
  });
}

/**
 * The socket, and the filter loaded again (same maps, so the counts go on)
 * when a link type with another link-header length comes: the verifier saw
 * the length as a constant, so no frame is ever read with the wrong one.
 * Loading needs the privileges sockex gives up after attaching: without
 * them the interface is refused, not read wrongly.
 */
function linkTyped(socket: PacketSocket, linkType: number, reload: (readOnlyData: Buffer) => void): Binding {
  let length = linkHeaderLength(linkType);
  return {
    boundIfindex: () => socket.boundIfindex(),
    bind: (ifindex) => socket.bind(ifindex),
    unbind: () => socket.unbind(),
    useLinkType(type) {
      const next = linkHeaderLength(type);
      if (next === length) return undefined;
      try {
        reload(filterReadOnlyData(next));
      } catch (err) {
        if (asSockexError(err)?.code !== 'permission') throw err;
        return 'its filter was loaded for another link header, and loading it again needs the privileges sockex gave up (--keep-privileges keeps them)';
      }
      length = next;
      return undefined;
    },
  };
}

/** The protocol filter (sockex.bpf.c): what a run without --by loads. */
export function protocolCounters(native: Native, place: CounterPlace, objectPath: string | undefined): CounterSpec {
  return {
    objectPath: objectPath ?? compiledFilter(OBJECT_NAME),
    programName: PROGRAM_NAME,
    openCounters(object) {
      const maps = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
      const reads = new CounterReads();
      const placed = placedReadings(place);
      return {
        read: () => reads.of(placed(maps.read())),
      };
    },
  };
}
