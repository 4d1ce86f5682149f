/**
 * `-i any`: one filter on an AF_PACKET socket bound to no interface, so it
 * sees every interface of the network namespace, with its counters keyed by
 * ifindex as well (bpf/sockex-any.bpf.c). Reading turns each ifindex into the
 * interface's name, kept current from the kernel's link notifications
 * (links/link-table.ts), so a re-created or renamed interface carries its
 * right name at the next sample.
 *
 * The notifications are followed as they arrive, not at the next sample: when
 * an interface goes, its link-header length leaves the filter's map and its
 * counters are closed (read, kept under its name, deleted from the kernel's
 * table), so an interface that takes its ifindex next is read with its own
 * link header and starts from zero, as the next generation of that ifindex.
 *
 * With --by, the every-interface breakdown filter (bpf/sockex-any-by.bpf.c):
 * split frames in by_counters under their ifindex, the rest (and the split
 * frames whose key found the table full, as their interface's "other") in the
 * per-interface counters; an interface that goes has its parts closed with
 * its counters.
 */
import { PartsTotals, type BreakdownReading } from '../../model/breakdown.js';
import { CounterReads } from '../../model/counter-read.js';
import type { Reading } from '../../model/counters.js';
import { attachObject, type CounterSpec } from './attach-object.js';
import { ownersFor, sweepingOwners } from './owner-counters.js';
import type { OwnerTap } from '../who/index.js';
import { builtFilter, compiledFilter } from './compiled-filters.js';
import { BatchReader, LastRead, ReadingCache, LinkHeaderMap, sumPerCpu, ANY_KEY_SIZE, ANY_MAP, ANY_OVERFLOW_MAP, ANY_PROGRAM_NAME, LAYOUT, LINK_DIRECT_MAP, LINK_MAP, decodeAnyKey, decodeAnyOverflowSlot, entryMajor, type SlotKey, type Totals } from '../maps/index.js';
import { ANY_BY_PROGRAM_NAME, BY_LAYOUT, BY_MAP, byObjectName, openBreakdownTable, type BreakdownPlace } from '../maps/index.js';
import type { AttachedFilter, AttachOptions } from './types.js';
import { LinkTable, type Link, type LinkUpdates, type ReadableWatch, ANY_INTERFACE, RouteSocket, watchReadable } from '../links/index.js';
import { loadNative, type Native } from '../libbpf/index.js';

const ANY_OBJECT_NAME = 'sockex-any.bpf.o';
/** Where the build puts the every-interface filter, in a clone and in the installed package alike. */
export const DEFAULT_ANY_OBJECT_PATH = builtFilter(ANY_OBJECT_NAME);

export function attachAnyFilter(options: AttachOptions = {}): AttachedFilter {
  const native = options.native ?? loadNative();
  // Following link notifications from before the first listing: no change after it is missed.
  const routes = new RouteSocket(native, true);
  const names = new LinkTable(routes);
  let watch: ReadableWatch | undefined;
  const by = options.by ?? [];
  const maxEntries = options.maxEntries ?? BY_LAYOUT.SOCKEX_BY_DEFAULT_MAX;
  let owners: OwnerTap | undefined;
  try {
    owners = ownersFor(native, { by, cgroupRoot: options.cgroupRoot });
  } catch (err) {
    names.close();
    throw err;
  }
  const counters: CounterSpec = {
    objectPath: options.objectPath ?? compiledFilter(by.length > 0 ? byObjectName(by, true) : ANY_OBJECT_NAME),
    programName: by.length > 0 ? ANY_BY_PROGRAM_NAME : ANY_PROGRAM_NAME,
    ...(by.length > 0 ? { mapSizes: { [BY_MAP]: maxEntries } } : {}),
    openCounters(object) {
      // The link-header length of every interface, kept current with the names.
      const linkHeaders = openLinkHeaderMap(native, object.mapFd(LINK_DIRECT_MAP), object.mapFd(LINK_MAP));
      const onLinks: LinkTypesHook = () => linkHeaders.update(names.links());
      const table = by.length > 0 ? openBreakdownTable(native, object.mapFd(BY_MAP), by, maxEntries) : undefined;
      /** The parts of links that went, under the names they had. */
      const closedParts: BreakdownReading[] = [];
      const onClose: CloseHook = (ended) => void (table && closedParts.push(...table.close(ended)));
      const counters = openAnyCounterMaps(native, object.mapFd(ANY_MAP), object.mapFd(ANY_OVERFLOW_MAP), names, onLinks, onClose);
      watch = watchReadable(native, routes.fd, () => counters.follow());
      const reads = new CounterReads();
      if (!table) return { read: () => reads.of(counters.read()) };
      let lastReadings: readonly Reading[] | undefined;
      let liveParts: readonly BreakdownReading[] | undefined;
      let closedCount = 0;
      let parts: readonly BreakdownReading[] = [];
      const totals = new PartsTotals(by);
      return {
        // Each map once: every frame is in one of them only, so each
        // interface's parts add up to the totals made of them.
        read: () => {
          const readings = counters.read();
          // The same readings: no count and no name changed (a link gone, renamed or come makes a new array).
          const live = table.read(counters.placeOf, readings === lastReadings);
          lastReadings = readings;
          // closedParts only grows: its length tells whether it did.
          if (live !== liveParts || closedParts.length !== closedCount) {
            liveParts = live;
            closedCount = closedParts.length;
            parts = Object.freeze([...live, ...closedParts]);
          }
          return reads.ofParts(readings, parts, (r, p) => totals.addUp(r, p));
        },
      };
    },
  };
  return attachObject({
    native,
    ...(owners ? sweepingOwners(counters, owners) : counters),
    sharedMaps: owners?.sharedMaps,
    sections: owners?.sections,
    // Bound to no interface: every interface, from the first frame.
    ifindex: 0,
    interfaceName: ANY_INTERFACE,
    // Bound to no interface: there is nothing the kernel can unbind.
    poll: () => [],
    // The watch first: it polls the route socket; the socket hooks last.
    release: () => {
      watch?.close();
      names.close();
      owners?.release();
    },
  });
}

/** The filter's ifindex -> link-header length maps (see bpf/sockex-any.bpf.c), written through their fds. */
function openLinkHeaderMap(native: Native, directFd: number, hashFd: number): LinkHeaderMap {
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
  /** Every counter that is not zero. Frozen; the same array as the last time while no count and no name changed. */
  read(): readonly Reading[];
  /** The interface (and generation) an ifindex's counters are read under now. */
  placeOf(ifindex: number): BreakdownPlace;
  /**
   * Take in the link notifications queued now (between samples, as they
   * arrive); false after a failure, which the next read() throws.
   */
  follow(): boolean;
}

/**
 * Where the filter's per-ifindex link types (its link-header lengths) are
 * kept current: called once when the counters are opened (before attach,
 * with every link) and then whenever links appeared, changed or went, before
 * the counters of those that went are closed.
 */
export type LinkTypesHook = (updates: LinkUpdates) => void;
const noLinkTypes: LinkTypesHook = () => undefined;

/** Called as the counters of links that went are closed, with where their counts are kept (the breakdown's parts go with them). */
export type CloseHook = (ended: ReadonlyMap<number, BreakdownPlace>) => void;
const noClose: CloseHook = () => undefined;

/** The names of ifindexes, kept current at every refresh (a LinkTable; a fake in tests). */
export type IfindexNames = Pick<LinkTable, 'refresh' | 'name'>;

/** Reads with one batched lookup for the per-interface counters, one for the overflow slots. */
export function openAnyCounterMaps(
  native: Native,
  countersFd: number,
  overflowFd: number,
  names: IfindexNames,
  onLinks: LinkTypesHook = noLinkTypes,
  onClose: CloseHook = noClose,
): AnyCounterMaps {
  const reader = new BatchReader(native);
  const cpus = reader.cpus;
  const layout = entryMajor(cpus);
  const counters = reader.buffers(LAYOUT.SOCKEX_ANY_MAX, ANY_KEY_SIZE);
  const overflow = reader.buffers(LAYOUT.SOCKEX_DIRECTIONS, 4);
  const lastCounters = new LastRead(counters);
  const lastOverflow = new LastRead(overflow);
  // struct sockex_any_key as two host-order words: ifindex, then protocol | direction << 16 | family << 24.
  const keyWords = new Uint32Array(counters.keys.buffer, counters.keys.byteOffset, counters.keys.length / 4);
  const cache = new ReadingCache<Reading>();
  const overflowCache = new ReadingCache<Reading>();
  let readings: readonly Reading[] = Object.freeze([]);

  /** ifindex -> the generation of the link that has it now, once it is not the first. */
  const generations = new Map<number, number>();
  /** The counters of links that went, under the names they had. */
  const closed: Reading[] = [];
  const deleteKey = Buffer.alloc(ANY_KEY_SIZE);
  /** Read the counters of links that went, keep them, and delete them from the kernel's table. */
  const closeCounters = (ended: readonly Link[]): void => {
    const endedAt = new Map<number, Link>();
    // One ifindex ended twice in one refresh: its counts are the first one's, but for a moment's.
    for (const link of ended) if (!endedAt.has(link.ifindex)) endedAt.set(link.ifindex, link);
    const n = reader.lookupAll(countersFd, counters, 'the per-interface counters');
    const forget = new Set<number>();
    for (let i = 0; i < n; i++) {
      const ifindex = keyWords[2 * i]!;
      const link = endedAt.get(ifindex);
      if (!link) continue;
      const totals = sumPerCpu(counters.values, i, cpus, layout);
      if (totals) closed.push(anyReading(link.name, decodeAnyKey(counters.keys, i * ANY_KEY_SIZE), totals, generations.get(ifindex)));
      counters.keys.copy(deleteKey, 0, i * ANY_KEY_SIZE, (i + 1) * ANY_KEY_SIZE);
      native.libbpf.mapDeleteElem(countersFd, deleteKey);
      forget.add(anyKeyNumber(ifindex, keyWords[2 * i + 1]!));
    }
    cache.forget(forget);
    onClose(new Map([...endedAt].map(([ifindex, link]) => [ifindex, placeAs(link.name, ifindex)])));
    for (const ifindex of endedAt.keys()) generations.set(ifindex, (generations.get(ifindex) ?? 1) + 1);
  };
  /** Whether links changed since the last read() built its readings. */
  let linksChanged = false;
  /** What follow() could not do, thrown by the next read(). */
  let failure: unknown;
  const takeLinks = (): void => {
    const links = names.refresh();
    if (links.changed.length + links.gone.length + links.ended.length === 0) return;
    linksChanged = true;
    // The link headers first: an interface that took an ended one's ifindex is read with its own (or the fallback).
    onLinks(links);
    if (links.ended.length > 0) closeCounters(links.ended);
  };

  const placeAs = (name: string, ifindex: number): BreakdownPlace => {
    const generation = generations.get(ifindex);
    return generation === undefined ? { interface: name, ifindex } : { interface: name, ifindex, generation };
  };

  // Every link known before the first frame (openCounters runs before attach).
  takeLinks();
  return {
    placeOf: (ifindex) => placeAs(names.name(ifindex), ifindex),
    follow(): boolean {
      try {
        takeLinks();
        return true;
      } catch (err) {
        failure = err;
        return false;
      }
    },
    read(): readonly Reading[] {
      if (failure !== undefined) throw failure;
      takeLinks();
      const n = reader.lookupAll(countersFd, counters, 'the per-interface counters');
      const m = reader.lookupAll(overflowFd, overflow, 'the overflow counters');
      // Both compared (and remembered) whatever the other says.
      const sameCounters = lastCounters.same(counters, n, cpus);
      const sameOverflow = lastOverflow.same(overflow, m, cpus);
      // Nothing counted and no name changed since the last read: the same readings, without a walk over every entry.
      if (sameCounters && sameOverflow && !linksChanged) return readings;
      linksChanged = false;
      // Each ifindex is its own counter (counterId holds it), so an interface
      // deleted and created again under one name, or two that swapped names,
      // never share one and none goes backwards.
      const next: Reading[] = [];
      for (let i = 0; i < n; i++) {
        const ifindex = keyWords[2 * i]!;
        const entry = cache.update(anyKeyNumber(ifindex, keyWords[2 * i + 1]!), counters.values, i, cpus, layout);
        if (!entry) continue;
        const name = names.name(ifindex);
        // A renamed interface: same counts, new name.
        if (entry.reading?.interface !== name) entry.reading = anyReading(name, decodeAnyKey(counters.keys, i * ANY_KEY_SIZE), entry.totals, generations.get(ifindex));
        next.push(entry.reading);
      }
      for (let i = 0; i < m; i++) {
        const slot = overflow.keys.readUInt32LE(i * 4);
        const entry = overflowCache.update(slot, overflow.values, i, cpus, layout);
        if (!entry) continue;
        entry.reading ??= anyReading(ANY_INTERFACE, { ifindex: 0, ...decodeAnyOverflowSlot(slot) }, entry.totals, undefined);
        next.push(entry.reading);
      }
      next.push(...closed);
      readings = Object.freeze(next);
      return readings;
    },
  };
}

/** A reading built field by field (a generation only past the first link of an ifindex). */
function anyReading(name: string, key: SlotKey & { ifindex: number }, totals: Totals, generation: number | undefined): Reading {
  const { ifindex, direction, family, protocol } = key;
  if (generation === undefined) return { interface: name, ifindex, direction, family, protocol, bytes: totals.bytes, packets: totals.packets };
  return { interface: name, ifindex, generation, direction, family, protocol, bytes: totals.bytes, packets: totals.packets };
}

/**
 * A number that tells any_counters keys apart, exact in a double: the
 * ifindex above 19 bits of protocol (16), direction (1) and family (2).
 */
function anyKeyNumber(ifindex: number, rest: number): number {
  const protocol = rest & 0xffff;
  const direction = (rest >>> 16) & 1;
  const family = (rest >>> 24) & 3;
  return ifindex * 0x8_0000 + ((protocol << 3) | (direction << 2) | family);
}
