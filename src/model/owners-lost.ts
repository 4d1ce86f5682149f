/**
 * What the owners_lost table means to a person: a warning the first time a
 * table is seen full (stderr), and a short note (the dashboard's header).
 * The sizes are bpf/owner.h's (a unit test checks them against it): they
 * are fixed at build, so the warning says what frees room instead.
 */
import type { OwnersLost } from './breakdown.js';

const TABLES = [
  { table: 'flows', size: '65,536 entries', frees: 'a flow is deleted once idle for 60 s' },
  { table: 'bound', size: '16,384 bound ports', frees: 'a port is deleted when its socket closes' },
] as const;

/** The warning lines for each table whose count grew from zero since the last sample (one per table per run). */
export function ownersLostWarnings(before: OwnersLost | undefined, now: OwnersLost | undefined): string[] {
  if (!now) return [];
  return TABLES.filter(({ table }) => now[table] > 0 && !(before?.[table] ?? 0)).map(
    ({ table, size, frees }) =>
      `sockex: the owner table "${table}" is full (${size}, fixed at build): ${now[table]} not recorded so far, their frames count as "none" (${frees}; the sockex_owners_lost_total metric and "owners_lost" in JSON keep count)`,
  );
}

/** "owners lost: 12 flows, 3 ports"; undefined while none were. */
export function ownersLostNote(lost: OwnersLost | undefined): string | undefined {
  if (!lost || lost.flows + lost.bound === 0) return undefined;
  const parts = [lost.flows > 0 ? `${lost.flows} flows` : '', lost.bound > 0 ? `${lost.bound} ports` : ''].filter(Boolean);
  return `owners lost: ${parts.join(', ')}`;
}
