/**
 * What the tap's who builds (--by process/user/cgroup) need beside what any
 * breakdown filter does: the socket hooks attached first, their owner maps
 * taken over at load, and this namespace's cookie in .rodata.who. The hooks
 * are shared by every filter of the run (one set at the cgroup2 root is
 * enough) and go with the last one released.
 */
import type { OwnersLost } from '../../model/breakdown.js';
import type { Native } from '../libbpf/index.js';
import { attachWhoHooks, type WhoHooks, type WhoObjects } from './hooks.js';
import { BOUND_MAP, FLOWS_MAP, OWNERS_MAP } from './layout.js';
import { netnsCookie } from './netns-cookie.js';

/** The tap's section for the cookie (const volatile __u64 sockex_netns_cookie in bpf/owner-lookup.h). */
const TAP_SECTION = '.rodata.who';
/** Idle flows are looked for at most this often. */
const SWEEP_EVERY_MS = 1000;

export interface OwnerTap {
  readonly sharedMaps: ReadonlyMap<string, number>;
  readonly sections: ReadonlyMap<string, Buffer>;
  /** Deletes idle flows, at most once a second whoever asks (each filter's read does). */
  sweep(): void;
  /** The hooks' owners_lost table: inserts into flows and bound that found the table full since start. */
  lost(): OwnersLost;
  /** Safe to call twice. */
  release(): void;
}

let shared: { native: Native; hooks: WhoHooks; users: number; lastSweep: number } | undefined;

export function openOwnerTap(native: Native, objects: WhoObjects, cgroupRoot?: string): OwnerTap {
  const cookie = Buffer.alloc(8);
  cookie.writeBigUInt64LE(netnsCookie(native));
  if (!shared || shared.native !== native) shared = { native, hooks: attachWhoHooks(native, objects, { cgroupRoot }), users: 0, lastSweep: 0 };
  const mine = shared;
  mine.users += 1;
  let released = false;
  return {
    sharedMaps: new Map([OWNERS_MAP, FLOWS_MAP, BOUND_MAP].map((name) => [name, mine.hooks.mapFd(name)])),
    sections: new Map([[TAP_SECTION, cookie]]),
    sweep() {
      const now = performance.now();
      if (now - mine.lastSweep < SWEEP_EVERY_MS) return;
      mine.lastSweep = now;
      mine.hooks.sweep();
    },
    lost: () => mine.hooks.lost(),
    release() {
      if (released) return;
      released = true;
      mine.users -= 1;
      if (mine.users > 0) return;
      mine.hooks.close();
      if (shared === mine) shared = undefined;
    },
  };
}
