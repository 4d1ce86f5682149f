/**
 * What the owners_lost table means to a person: a warning the first time a
 * table is seen full (stderr), and a short note (the dashboard's header).
 * It counts failed inserts, not flows or ports: the warning says what
 * tries an insert. The sizes are bpf/owner.h's (a unit test checks them
 * against it): they are fixed at build, so the warning says what frees room instead.
 */
import type { OwnersLost } from './breakdown.js';

const TABLES = [
  {
    table: 'flows',
    size: '65,536 entries: 32,768 flows, each filed twice',
    tries: 'a flow tries both its entries at each frame it sends until recorded',
    frees: 'a flow is deleted once idle for 60 s',
  },
  { table: 'bound', size: '16,384 bound ports', tries: 'a socket tries its port as it binds', frees: 'a port is deleted when its socket closes' },
] as const;

/** The warning lines for each table whose count grew from zero since the last sample (one per table per run). */
export function ownersLostWarnings(before: OwnersLost | undefined, now: OwnersLost | undefined): string[] {
  if (!now) return [];
  return TABLES.filter(({ table }) => now[table] > 0 && !(before?.[table] ?? 0)).map(
    ({ table, size, tries, frees }) =>
      `sockex: the owner table "${table}" is full (${size}; fixed at build): ${now[table]} insert${now[table] === 1 ? '' : 's'} failed so far (${tries}), and the frames of what was not recorded count as owner "none" (${frees}; the sockex_owners_lost_total metric and "owners_lost" in JSON count the failed inserts)`,
  );
}

/** "owner inserts failed: flows 12, bound 3", by table as JSON and the metric name them; undefined while none did. */
export function ownersLostNote(lost: OwnersLost | undefined): string | undefined {
  if (!lost || lost.flows + lost.bound === 0) return undefined;
  const parts = [lost.flows > 0 ? `flows ${lost.flows}` : '', lost.bound > 0 ? `bound ${lost.bound}` : ''].filter(Boolean);
  return `owner inserts failed: ${parts.join(', ')}`;
}
