/**
 * What an attached filter is and how one is asked for, apart from the code
 * that makes one (filter.ts dispatches to any-filter.ts, breakdown-filter.ts
 * and attach-object.ts, which all return these): no module imports back the
 * one that imports it.
 */
import type { BreakdownBy } from '../../model/breakdown.js';
import type { CounterRead } from '../../model/counter-read.js';
import type { InterfaceEvent } from '../../model/interface-events.js';
import type { Native } from '../libbpf/index.js';

export interface AttachedFilter {
  readonly interface: string;
  readonly programFd: number;
  /** The counters now (with --by, the breakdown with them); the last read again while nothing moved. */
  read(): CounterRead;
  /**
   * What happened to the interface since the last call, oldest first ([] when
   * nothing did; the first call reports a start on an interface that is down
   * or has no carrier). Cheap enough for every sample: no listing, a couple
   * of syscalls. -i any reports nothing: it has no binding to lose.
   */
  poll(): InterfaceEvent[];
  /** Detach (close the socket) and unload. Safe to call twice. */
  close(): void;
}

export interface AttachOptions {
  objectPath?: string;
  native?: Native;
  /** Split IP counters by port and/or host (loads the breakdown filter); empty or absent: protocols only. */
  by?: readonly BreakdownBy[];
  /** The breakdown table's size (default SOCKEX_BY_DEFAULT_MAX). */
  maxEntries?: number;
  /** --by process/user/cgroup: the cgroup2 root the owner hooks attach at (found in /proc/self/mounts otherwise). */
  cgroupRoot?: string | undefined;
}

/** Which interface a filter's counters belong to. */
export interface CounterPlace {
  readonly interface: string;
  readonly ifindex: number;
}
