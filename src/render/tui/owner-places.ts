/**
 * Where a breakdown counter split by owner (--by process, user, cgroup) goes
 * in the dashboard's owner views: its row, and the row's name in parts
 * (breakdown-rows.ts lines the parts up). Processes as nethogs shows them
 * (pid, user, command), users by name, cgroups by container and pod or path.
 */
import { OTHER, type BreakdownCounter } from '../../model/breakdown.js';
import { FULL, type CgroupOwner } from '../../model/owners.js';

/** Where a counter goes in a view: its row's key and the parts of its name. */
export interface Place {
  readonly key: string;
  readonly parts: readonly string[];
}

/** A user as the views name one: the name from /etc/passwd, else the uid. */
const userText = (owner: { uid: number; user?: string }): string => owner.user ?? String(owner.uid);

/** Longest path shown whole in the cgroups view; longer ones keep their end, which names the service. */
const MAX_PATH = 40;

/** A cgroup as the cgroups view names it: its container (and pod) where it is one, else its path, else its id. */
function cgroupText(c: CgroupOwner): string {
  if (c.container !== undefined) return `container ${c.container.slice(0, 12)}${c.podUid === undefined ? '' : ` pod ${c.podUid.slice(0, 8)}`}`;
  if (c.path === undefined) return `id ${c.id} (gone)`;
  return c.path.length <= MAX_PATH ? c.path : `...${c.path.slice(-(MAX_PATH - 3))}`;
}

/** The row of a counter in an owner view, or undefined when it is not split that way. The words (kernel, none) are rows of their own. */
export function ownerPlace(c: BreakdownCounter, view: 'processes' | 'users' | 'cgroups'): Place | undefined {
  switch (view) {
    case 'processes': {
      const p = c.process;
      if (p === undefined) return undefined;
      if (typeof p === 'string') return { key: p, parts: ['', '', p] };
      return { key: `${p.pid}/${p.command}/${p.uid}`, parts: [String(p.pid), userText(p), `${p.command}${p.exited ? ' (exited)' : ''}`] };
    }
    case 'users': {
      const u = c.user;
      if (u === undefined) return undefined;
      return typeof u === 'string' ? { key: u, parts: [u] } : { key: `uid ${u.uid}`, parts: [userText(u)] };
    }
    case 'cgroups': {
      const g = c.cgroup;
      if (g === undefined) return undefined;
      // By path where known: a service restarted (a new cgroup id at the same path) stays one row.
      return typeof g === 'string' ? { key: g, parts: [g] } : { key: g.path ?? `id ${g.id}`, parts: [cgroupText(g)] };
    }
  }
}

/** Counts the kernel found no room for (port, host or owner "other"): the "other" row of every view. */
export function isKernelOther(c: BreakdownCounter): boolean {
  return c.port === OTHER || c.host === OTHER || c.process === FULL || c.user === FULL || c.cgroup === FULL;
}
