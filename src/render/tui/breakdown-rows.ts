/**
 * The dashboard's breakdown views (--by): rows by port, by host, by
 * conversation (host and port), or by owner (owner-places.ts), less the
 * reset baseline, with their rates and history, sorted, cut to the active
 * rows that fit with the rest summed into one "other" row, so the rows
 * always add up to the total. Pure data in the protocol tables' shapes, no
 * layout.
 */
import { OTHER, breakdownId, type BreakdownCounter } from '../../model/breakdown.js';
import { IDLE_AFTER_SECONDS, breakdownHistoryId } from '../../model/rate-history.js';
import type { Baseline, DashboardView, Frame, SortKey } from './dashboard-state.js';
import { isKernelOther, ownerPlace, type Place } from './owner-places.js';
import { compareRows, countsSince, type DirectionTotals, type ProtocolRow, type Section } from './protocol-rows.js';
import { printable } from '../../errors.js';

/** The views of a breakdown (--by): all but the protocols. */
type BreakdownView = Exclude<DashboardView, 'protocols'>;

/** The parts of the first column in each breakdown view: all but the last padded to the widest shown, so they line up. */
const NAME_PARTS: Readonly<Record<BreakdownView, readonly { readonly title: string; readonly right?: boolean }[]>> = {
  ports: [{ title: 'PORT' }],
  hosts: [{ title: 'HOST' }],
  conversations: [{ title: 'HOST' }, { title: 'PORT' }],
  processes: [{ title: 'PID', right: true }, { title: 'USER' }, { title: 'COMMAND' }],
  users: [{ title: 'USER' }],
  cgroups: [{ title: 'CGROUP' }],
};

/** The row a counter belongs to in a view, or undefined when the view leaves it out (or it is "other"). */
function placeOf(c: BreakdownCounter, view: BreakdownView): Place | undefined {
  const port = c.port === undefined ? '' : ` ${c.port}${c.service === undefined ? '' : ` ${c.service}`}`;
  switch (view) {
    case 'ports':
      return c.port === undefined ? undefined : { key: `${c.protocol}/${c.port}`, parts: [`${c.name}${port}`] };
    case 'hosts':
      return c.host === undefined ? undefined : { key: c.host, parts: [c.host] };
    case 'conversations':
      return c.host === undefined ? undefined : { key: `${c.host} ${c.protocol}/${c.port ?? ''}`, parts: [c.host, `${c.name}${port}`] };
    case 'processes':
    case 'users':
    case 'cgroups':
      return ownerPlace(c, view);
  }
}

type Totals = { bytes: bigint; packets: bigint; bytesPerSecond: number; packetsPerSecond: number; history: number[] };

interface MutableRow {
  key: string;
  name: string;
  /** The parts of the name, padded to line up once the rows shown are known. */
  parts: readonly string[];
  tx: Totals;
  rx: Totals;
  sinceStart: { bytes: bigint; packets: bigint };
  /** Some counter of the row moved in the last IDLE_AFTER_SECONDS. */
  active: boolean;
  /** The history ids of the row's counters: its history is summed only if the row is shown. */
  ids: { tx: Set<string>; rx: Set<string> };
}

const emptyRow = (key: string, name: string, parts: readonly string[] = [name]): MutableRow => {
  const totals = (): Totals => ({ bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, history: [] });
  return { key, name, parts, tx: totals(), rx: totals(), sinceStart: { bytes: 0n, packets: 0n }, active: false, ids: { tx: new Set(), rx: new Set() } };
};

function addTotals(into: Totals, from: Omit<DirectionTotals, 'history'>): void {
  into.bytes += from.bytes;
  into.packets += from.packets;
  into.bytesPerSecond += from.bytesPerSecond;
  into.packetsPerSecond += from.packetsPerSecond;
}

/** What is left of a sum once these parts are taken away; what rounding leaves of nothing is 0 (no bar). */
function restOf(sum: number, parts: readonly number[]): number {
  const rest = parts.reduce((left, part) => left - part, sum);
  return rest > sum * 1e-9 ? rest : 0;
}

function addRow(into: MutableRow, row: MutableRow): MutableRow {
  addTotals(into.tx, row.tx);
  addTotals(into.rx, row.rx);
  into.sinceStart.bytes += row.sinceStart.bytes;
  into.sinceStart.packets += row.sinceStart.packets;
  return into;
}

/**
 * One table for the view over every counted interface: at most `maxRows`
 * rows, the last of them "other", then the total. The rows are those with
 * traffic in the last IDLE_AFTER_SECONDS, sorted, as many as fit; "other"
 * sums the rest: the rows that did not fit, the idle ones (a port scan's
 * one-packet rows leave after a while) and the frames the kernel counted as
 * other. So the rows always add up to the total.
 */
export function breakdownSection(frame: Frame, view: BreakdownView, baseline: Baseline | undefined, sort: SortKey, maxRows: number): Section {
  const { history } = frame;
  const rows = new Map<string, MutableRow>();
  let kernelOther: MutableRow | undefined;
  const total = emptyRow('total', 'Total');
  for (const c of frame.snapshot.breakdown?.counters ?? []) {
    const place = placeOf(c, view);
    const isOther = isKernelOther(c);
    if (!place && !isOther) continue;
    const { bytes, packets } = countsSince(c, baseline?.breakdown?.get(breakdownId(c)));
    const id = breakdownHistoryId(c);
    const totals = { bytes, packets, ...history.recent(id) };
    let row: MutableRow;
    if (isOther || !place) {
      row = kernelOther ??= emptyRow(OTHER, OTHER);
    } else {
      // Sorted by name, a row goes by its last part: the port of a conversation, the command of a process.
      row = rows.get(place.key) ?? emptyRow(place.key, place.parts[place.parts.length - 1] ?? '', place.parts);
      rows.set(place.key, row);
    }
    row.active ||= history.idleFor(id) < IDLE_AFTER_SECONDS;
    for (const into of [row, total]) {
      addTotals(into[c.direction], totals);
      into.ids[c.direction].add(id);
      // The sort goes by the counts since start, so a reset moves no row (as in the protocol tables).
      into.sinceStart.bytes += c.bytes;
      into.sinceStart.packets += c.packets;
    }
  }
  // By name, numbers in order (UDP 53 before UDP 443, 10.0.0.2 before 10.0.0.10).
  const byName = (a: ProtocolRow, b: ProtocolRow): number => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' });
  const all = [...rows.values()];
  const sorted = all.filter((r) => r.active).sort(sort === 'name' ? byName : compareRows(sort));
  const idle = all.length - sorted.length;
  const room = Math.max(1, maxRows);
  // The top rows by the sort key (by name: the first names); "other" takes the last place when it has anything.
  const fits = sorted.length + (kernelOther || idle > 0 ? 1 : 0) <= room;
  const top = fits ? sorted : sorted.slice(0, room - 1);
  const folded = all.filter((r) => !top.includes(r));
  const other = folded.length > 0 || kernelOther ? folded.reduce(addRow, kernelOther ?? emptyRow(OTHER, OTHER)) : undefined;
  // Histories for what is shown: each top row's and the total's; other's is the total less the top rows.
  for (const dir of ['tx', 'rx'] as const) {
    for (const r of top) r[dir].history = history.sumOfSeries(r.ids[dir]);
    total[dir].history = history.sumOfSeries(total.ids[dir]);
    if (other) other[dir].history = total[dir].history.map((sum, i) => restOf(sum, top.map((r) => r[dir].history[i] ?? 0)));
  }
  const { named, nameTitle } = lineUp(top, view);
  const notes = idle === 0 ? [] : [` (${idle} idle ${IDLE_AFTER_SECONDS} s in other)`, ` (${idle} idle in other)`];
  return {
    title: viewTitle(frame, view),
    rows: other ? [...named, other] : named,
    total,
    nameTitle,
    ...(notes.length > 0 ? { notes: [...notes, ''] } : {}),
  };
}

/**
 * The rows' names with their parts padded to the widest shown (conversations'
 * hosts, so the ports line up, IPv4 beside IPv6; processes' pids and users),
 * and the first column's title (PORT, HOST, PID  USER  COMMAND...) padded alike.
 */
function lineUp(top: readonly MutableRow[], view: BreakdownView): { named: MutableRow[]; nameTitle: string } {
  const parts = NAME_PARTS[view];
  const widths = parts.map((part, i) => Math.max(part.title.length, ...top.map((r) => r.parts[i]?.length ?? 0)));
  const line = (texts: readonly string[]): string =>
    texts.map((text, i) => (i === texts.length - 1 ? text : parts[i]?.right ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0))).join('  ');
  return { named: top.map((r) => ({ ...r, name: line(r.parts) })), nameTitle: line(parts.map((p) => p.title)) };
}

function viewTitle(frame: Frame, view: DashboardView): string {
  const names = frame.snapshot.interfaces;
  return `${view} on ${names.map(printable).join(', ')}`;
}
