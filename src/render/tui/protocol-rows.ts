/**
 * The tables' contents: counters grouped into protocol rows (tx and rx
 * apart), less the reset baseline, with their rates (averaged over the
 * history's short window) and rate history, sorted; one
 * table per interface plus one for all of them. Pure data, no layout.
 */
import { ANY_INTERFACE, counterId } from '../../model/counters.js';
import type { RateHistory } from '../../model/rate-history.js';
import type { CounterSnapshot } from '../../model/snapshot.js';
import type { Baseline, Frame, SortKey } from './dashboard-state.js';
import { printable } from '../../errors.js';

/** One direction of one protocol, as displayed (after the reset baseline). */
export interface DirectionTotals {
  readonly bytes: bigint;
  readonly packets: bigint;
  readonly bytesPerSecond: number;
  readonly packetsPerSecond: number;
  /** Bytes per second, oldest first. */
  readonly history: readonly number[];
}

export interface ProtocolRow {
  /** ip/<protocol number> (IPv4 and IPv6 together) or ether/<EtherType>. */
  readonly key: string;
  readonly name: string;
  readonly tx: DirectionTotals;
  readonly rx: DirectionTotals;
  /** Both directions since start, the reset ignored: the sort order, so a reset moves no row. */
  readonly sinceStart: { readonly bytes: bigint; readonly packets: bigint };
}

export interface Section {
  /** An interface name, or "all interfaces". */
  readonly title: string;
  readonly rows: readonly ProtocolRow[];
  readonly total: ProtocolRow;
  /** The first column's title when it is not the view's usual one (conversations: aligned to the hosts). */
  readonly nameTitle?: string;
  /** What the title says when every row is shown, longest wording first. */
  readonly notes?: readonly string[];
}

/** The kernel sample's three protocols: always on screen, even at zero. */
const HEADLINE_ROWS: readonly { key: string; name: string }[] = [
  { key: 'ip/6', name: 'TCP' },
  { key: 'ip/17', name: 'UDP' },
  { key: 'ip/1', name: 'ICMP' },
];

export const ALL_INTERFACES = 'all interfaces';

/** TCP over IPv4 and over IPv6 are one row, as in the line output; non-IP frames go by EtherType. */
function rowKey(c: Pick<CounterSnapshot, 'family' | 'protocol'>): string {
  return c.family === 'other' ? `ether/${c.protocol}` : `ip/${c.protocol}`;
}

interface MutableTotals {
  bytes: bigint;
  packets: bigint;
  bytesPerSecond: number;
  packetsPerSecond: number;
  history: number[];
}

function emptyTotals(historyLength: number): MutableTotals {
  return { bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, history: new Array<number>(historyLength).fill(0) };
}

function addInto(target: MutableTotals, bytes: bigint, packets: bigint, bps: number, pps: number, history: readonly number[]): void {
  target.bytes += bytes;
  target.packets += packets;
  target.bytesPerSecond += bps;
  target.packetsPerSecond += pps;
  for (let i = 0; i < target.history.length; i++) target.history[i] = (target.history[i] ?? 0) + (history[i] ?? 0);
}

/** A counter's counts since the reset; a counter that went backwards (a new filter) counts from zero. */
function sinceBaseline(c: CounterSnapshot, baseline: Baseline | undefined): { bytes: bigint; packets: bigint } {
  return countsSince(c, baseline?.counts.get(counterId(c)));
}

/** Counts less their value at the reset (none: all of them; gone backwards: counting from zero again). */
export function countsSince(
  now: { readonly bytes: bigint; readonly packets: bigint },
  base: { readonly bytes: bigint; readonly packets: bigint } | undefined,
): { bytes: bigint; packets: bigint } {
  if (!base || now.bytes < base.bytes || now.packets < base.packets) return { bytes: now.bytes, packets: now.packets };
  return { bytes: now.bytes - base.bytes, packets: now.packets - base.packets };
}

/** The rows of one table (headline protocols first, then every protocol seen), sorted, and their total. */
function protocolRows(
  counters: readonly CounterSnapshot[],
  history: RateHistory,
  baseline: Baseline | undefined,
  sort: SortKey,
): { rows: ProtocolRow[]; total: ProtocolRow } {
  const length = history.length;
  type MutableRow = { key: string; name: string; tx: MutableTotals; rx: MutableTotals; sinceStart: { bytes: bigint; packets: bigint } };
  const newRow = (key: string, name: string): MutableRow => ({ key, name, tx: emptyTotals(length), rx: emptyTotals(length), sinceStart: { bytes: 0n, packets: 0n } });
  const rows = new Map<string, MutableRow>();
  const rowFor = (key: string, name: string): MutableRow => {
    let row = rows.get(key);
    if (!row) {
      row = newRow(key, name);
      rows.set(key, row);
    }
    return row;
  };
  for (const h of HEADLINE_ROWS) rowFor(h.key, h.name);
  const total = newRow('total', 'Total');
  for (const c of counters) {
    const { bytes, packets } = sinceBaseline(c, baseline);
    const id = counterId(c);
    const series = history.series(id);
    const rates = history.recent(id);
    for (const row of [rowFor(rowKey(c), c.name), total]) {
      addInto(row[c.direction], bytes, packets, rates.bytesPerSecond, rates.packetsPerSecond, series);
      row.sinceStart.bytes += c.bytes;
      row.sinceStart.packets += c.packets;
    }
  }
  return { rows: [...rows.values()].sort(compareRows(sort)), total };
}

/**
 * Largest first (both directions together); by name A-Z for "name" and for
 * ties. Bytes and packets count since start, not since the reset, so that a
 * reset (which zeroes every row) leaves the order as it was. Rates (already
 * averaged over a few seconds) compare at two significant digits, about what
 * the RATE column shows, and ties go by bytes since start: two flows at much
 * the same rate, or idle rows, keep their places instead of swapping with
 * every sample.
 */
export function compareRows(sort: SortKey): (a: ProtocolRow, b: ProtocolRow) => number {
  const byName = (a: ProtocolRow, b: ProtocolRow): number => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.key.localeCompare(b.key);
  const measures = (row: ProtocolRow): (number | bigint)[] => {
    switch (sort) {
      case 'bytes':
        return [row.sinceStart.bytes];
      case 'packets':
        return [row.sinceStart.packets];
      case 'rate':
        return [Number((row.tx.bytesPerSecond + row.rx.bytesPerSecond).toPrecision(2)), row.sinceStart.bytes];
      case 'name':
        return [];
    }
  };
  return (a, b) => {
    const ma = measures(a);
    const mb = measures(b);
    for (const [i, va] of ma.entries()) {
      const vb = mb[i] ?? 0;
      if (va !== vb) return va > vb ? -1 : 1;
    }
    return byName(a, b);
  };
}

/**
 * One table per interface, plus one for all of them together when there are
 * several. With -i any the interfaces are those the counters name, as they
 * appear; the all-interfaces table is always there.
 */
export function sections(frame: Frame, baseline: Baseline | undefined, sort: SortKey): Section[] {
  const { snapshot, history } = frame;
  const any = snapshot.interfaces.includes(ANY_INTERFACE);
  const names = any ? [...new Set(snapshot.counters.map((c) => c.interface))].sort() : snapshot.interfaces;
  const result: Section[] = names.map((name) => ({
    title: printable(name),
    ...protocolRows(
      snapshot.counters.filter((c) => c.interface === name),
      history,
      baseline,
      sort,
    ),
  }));
  if (any || names.length > 1) result.push({ title: ALL_INTERFACES, ...protocolRows(snapshot.counters, history, baseline, sort) });
  return result;
}
