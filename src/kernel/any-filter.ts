/**
 * `-i any`: one filter on an AF_PACKET socket bound to no interface, so it
 * sees every interface of the network namespace, with its counters keyed by
 * ifindex as well (bpf/sockex-any.bpf.c). Reading turns each ifindex into the
 * interface's name.
 */
import { fileURLToPath } from 'node:url';
import type { Reading } from '../model/counters.js';
import { attachObject } from './attach-object.js';
import { BatchReader, ReadingCache } from './counter-maps.js';
import type { AttachedFilter, AttachOptions } from './filter.js';
import { InterfaceNames } from './interface-names.js';
import { ANY_INTERFACE } from './interfaces.js';
import {
  ANY_KEY_SIZE,
  ANY_MAP,
  ANY_OVERFLOW_MAP,
  ANY_PROGRAM_NAME,
  LAYOUT,
  decodeAnyKey,
  decodeAnyOverflowSlot,
  entryMajor,
} from './layout.js';
import { loadNative, type Native } from './native.js';

/** Where the build puts the every-interface filter, in a clone and in the installed package alike. */
export const DEFAULT_ANY_OBJECT_PATH = fileURLToPath(new URL('../../../bpf/build/sockex-any.bpf.o', import.meta.url));

export function attachAnyFilter(options: AttachOptions = {}, names: InterfaceNames = new InterfaceNames()): AttachedFilter {
  const native = options.native ?? loadNative();
  return attachObject({
    native,
    objectPath: options.objectPath ?? DEFAULT_ANY_OBJECT_PATH,
    programName: ANY_PROGRAM_NAME,
    // Bound to no interface: every interface, from the first frame.
    ifindex: 0,
    interfaceName: ANY_INTERFACE,
    openCounters: (object) => openAnyCounterMaps(native, object.mapFd(ANY_MAP), object.mapFd(ANY_OVERFLOW_MAP), names),
    // Bound to no interface: there is nothing that can disappear.
    present: () => true,
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
  const layout = entryMajor(cpus);
  const counters = reader.buffers(LAYOUT.SOCKEX_ANY_MAX, ANY_KEY_SIZE);
  const overflow = reader.buffers(LAYOUT.SOCKEX_DIRECTIONS, 4);
  // struct sockex_any_key as two host-order words: ifindex, then protocol | direction << 16 | family << 24.
  const keyWords = new Uint32Array(counters.keys.buffer, counters.keys.byteOffset, counters.keys.length / 4);
  const cache = new ReadingCache<Reading>();
  const overflowCache = new ReadingCache<Reading>();

  return {
    get lastReadCost() {
      return reader.lastReadCost;
    },
    read(): Reading[] {
      reader.startRead();
      names.refresh();
      const out: Reading[] = [];
      const n = reader.lookupAll(countersFd, counters, 'the per-interface counters');
      for (let i = 0; i < n; i++) {
        const ifindex = keyWords[2 * i]!;
        const entry = cache.update(anyKeyNumber(ifindex, keyWords[2 * i + 1]!), counters.values, i, cpus, layout);
        if (!entry) continue;
        const name = names.name(ifindex);
        // A renamed interface: same counts, new name.
        if (entry.reading?.interface !== name) entry.reading = { interface: name, ...decodeAnyKey(counters.keys, i * ANY_KEY_SIZE), ...entry.totals };
        out.push(entry.reading);
      }
      const m = reader.lookupAll(overflowFd, overflow, 'the overflow counters');
      for (let i = 0; i < m; i++) {
        const slot = overflow.keys.readUInt32LE(i * 4);
        const entry = overflowCache.update(slot, overflow.values, i, cpus, layout);
        if (!entry) continue;
        entry.reading ??= { interface: ANY_INTERFACE, ifindex: 0, ...decodeAnyOverflowSlot(slot), ...entry.totals };
        out.push(entry.reading);
      }
      return out;
    },
  };
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
