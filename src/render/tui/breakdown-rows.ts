/**
 * The dashboard's breakdown views (--by): rows by port, by host, or by
 * conversation (host and port), less the reset baseline, sorted, cut to the
 * rows that fit with the rest summed into one "other" row, so the rows always
 * add up to the total. Pure data in the protocol tables' shapes, no layout.
 */
import { OTHER, breakdownId, type BreakdownCounter } from '../../model/breakdown.js';
import type { Baseline, DashboardView, Frame, SortKey } from './dashboard-state.js';
import { compareRows, countsSince, type DirectionTotals, type ProtocolRow, type Section } from './protocol-rows.js';
import { printable } from '../../errors.js';

/** The first column's title in each view. */
export const VIEW_TITLES: Readonly<Record<DashboardView, string>> = { protocols: 'PROTOCOL', ports: 'PORT', hosts: 'HOST', conversations: 'HOST  PORT' };

/** The row a counter belongs to in a view: [key, label], or undefined when the view leaves it out (or it is "other"). */
function rowOf(c: BreakdownCounter, view: DashboardView): [string, string] | undefined {
  const port = c.port === undefined ? '' : ` ${c.port}${c.service === undefined ? '' : ` ${c.service}`}`;
  switch (view) {
    case 'ports':
      return c.port === undefined ? undefined : [`${c.protocol}/${c.port}`, `${c.name}${port}`];
    case 'hosts':
      return c.host === undefined ? undefined : [c.host, c.host];
    case 'conversations':
      return c.host === undefined ? undefined : [`${c.host} ${c.protocol}/${c.port ?? ''}`, `${c.host}  ${c.name}${port}`];
    case 'protocols':
      return undefined;
  }
}

interface MutableRow {
  key: string;
  name: string;
  tx: { bytes: bigint; packets: bigint; bytesPerSecond: number; packetsPerSecond: number; history: number[] };
  rx: { bytes: bigint; packets: bigint; bytesPerSecond: number; packetsPerSecond: number; history: number[] };
  sinceStart: { bytes: bigint; packets: bigint };
}

const emptyRow = (key: string, name: string): MutableRow => ({
  key,
  name,
  tx: { bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, history: [] },
  rx: { bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, history: [] },
  sinceStart: { bytes: 0n, packets: 0n },
});

function addTotals(into: MutableRow['tx'], from: DirectionTotals): void {
  into.bytes += from.bytes;
  into.packets += from.packets;
  into.bytesPerSecond += from.bytesPerSecond;
  into.packetsPerSecond += from.packetsPerSecond;
}

function addRow(into: MutableRow, row: ProtocolRow): MutableRow {
  addTotals(into.tx, row.tx);
  addTotals(into.rx, row.rx);
  into.sinceStart.bytes += row.sinceStart.bytes;
  into.sinceStart.packets += row.sinceStart.packets;
  return into;
}

/**
 * One table for the view over every counted interface: at most `maxRows`
 * rows, the last of them "other" (the rows that did not fit plus the frames
 * the kernel counted as other), then the total.
 */
export function breakdownSection(frame: Frame, view: DashboardView, baseline: Baseline | undefined, sort: SortKey, maxRows: number): Section {
  const rows = new Map<string, MutableRow>();
  let kernelOther: MutableRow | undefined;
  const total = emptyRow('total', 'Total');
  for (const c of frame.snapshot.breakdown?.counters ?? []) {
    const place = rowOf(c, view);
    const isOther = c.port === OTHER || c.host === OTHER;
    if (!place && !isOther) continue;
    const { bytes, packets } = countsSince(c, baseline?.breakdown?.get(breakdownId(c)));
    const totals: DirectionTotals = { bytes, packets, bytesPerSecond: c.bytesPerSecond, packetsPerSecond: c.packetsPerSecond, history: [] };
    let row: MutableRow;
    if (isOther || !place) {
      row = kernelOther ??= emptyRow(OTHER, OTHER);
    } else {
      row = rows.get(place[0]) ?? emptyRow(...place);
      rows.set(place[0], row);
    }
    for (const into of [row, total]) {
      addTotals(into[c.direction], totals);
      // The sort goes by the counts since start, so a reset moves no row (as in the protocol tables).
      into.sinceStart.bytes += c.bytes;
      into.sinceStart.packets += c.packets;
    }
  }
  // By name, numbers in order (UDP 53 before UDP 443, 10.0.0.2 before 10.0.0.10).
  const byName = (a: ProtocolRow, b: ProtocolRow): number => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' });
  const sorted = [...rows.values()].sort(sort === 'name' ? byName : compareRows(sort));
  const room = Math.max(1, maxRows);
  // The top rows by the sort key (by name: the first names); "other" takes the last place when they do not all fit.
  const fits = sorted.length + (kernelOther ? 1 : 0) <= room;
  const top = fits ? sorted : sorted.slice(0, room - 1);
  const folded = fits ? [] : sorted.slice(room - 1);
  const other = folded.length > 0 || kernelOther ? folded.reduce(addRow, kernelOther ?? emptyRow(OTHER, OTHER)) : undefined;
  return { title: viewTitle(frame, view), rows: other ? [...top, other] : top, total };
}

function viewTitle(frame: Frame, view: DashboardView): string {
  const names = frame.snapshot.interfaces;
  return `${view} on ${names.map(printable).join(', ')}`;
}
