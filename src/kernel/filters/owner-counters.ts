/**
 * --by process/user/cgroup for any filter (named interfaces, -i any): the
 * socket hooks the tap's who build looks owners up in, and its counters
 * deleting idle flows as they are read.
 */
import { counterRead, type CounterRead } from '../../model/counter-read.js';
import { isOwnerKind } from '../../model/owners.js';
import type { Native } from '../libbpf/index.js';
import { openOwnerTap, SEED_OBJECT, WHO_OBJECT, type OwnerTap } from '../who/index.js';
import type { CounterSpec } from './attach-object.js';
import { compiledFilter } from './compiled-filters.js';
import type { AttachOptions } from './types.js';

/** --by process/user/cgroup: the socket hooks the tap looks owners up in (attached now, shared by every filter of the run). */
export function ownersFor(native: Native, options: Pick<AttachOptions, 'by' | 'cgroupRoot'>): OwnerTap | undefined {
  if (!options.by?.some(isOwnerKind)) return undefined;
  return openOwnerTap(native, { hooks: compiledFilter(WHO_OBJECT), seed: compiledFilter(SEED_OBJECT) }, options.cgroupRoot);
}

/**
 * The counters, each read first deleting the flows idle past their grace
 * time, and carrying the owners_lost table read after them (so a frame whose
 * owner was lost is never counted before its loss is): a new read when
 * either moved, the last one again while neither did.
 */
export function sweepingOwners(counters: CounterSpec, owners: OwnerTap): CounterSpec {
  return {
    ...counters,
    openCounters(object) {
      const opened = counters.openCounters(object);
      let last: { inner: CounterRead; read: CounterRead } | undefined;
      return {
        read: () => {
          owners.sweep();
          const inner = opened.read();
          const lost = owners.lost();
          const was = last?.read.ownersLost;
          if (last?.inner === inner && was?.flows === lost.flows && was.bound === lost.bound) return last.read;
          last = { inner, read: counterRead(inner.readings, inner.breakdown, lost) };
          return last.read;
        },
      };
    },
  };
}

