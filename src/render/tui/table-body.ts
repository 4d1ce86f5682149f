/**
 * The tables, folded to the room there is. Short of lines, in this order:
 * the blank line goes; the all-interfaces table shrinks to its totals, then
 * goes (every interface is still on screen); each interface's table keeps
 * only its top rows, then only its totals; last, whole tables go from the
 * bottom. A breakdown view (--by) is one table that folds its rows into
 * "other" instead (breakdown-rows.ts). Short of columns, table-columns.ts
 * gives up columns. The sparklines of a screen share one scale: the highest
 * rate they show.
 */
import { breakdownSection } from './breakdown-rows.js';
import type { DashboardState, DashboardView, Frame } from './dashboard-state.js';
import { firstThatFits } from './fit-text.js';
import { ALL_INTERFACES, sections, type Section } from './protocol-rows.js';
import type { Line, ScreenSize } from './screen-lines.js';
import { peakOf } from './sparkline.js';
import { fitColumns, tableLines, type ColumnLayout, type TableLine } from './table-columns.js';

interface BuiltTable {
  readonly section: Section;
  readonly rows: readonly (readonly TableLine[])[];
  readonly totals: readonly TableLine[];
}

/** How much of the tables one attempt shows. */
interface Fold {
  readonly spacing: boolean;
  readonly allInterfaces: 'full' | 'totals' | 'gone';
  /** Rows each interface's table keeps (Infinity: all)... */
  readonly perInterface: number;
  /** ...and the first `extra` tables one more, so no line of room is left unused. */
  readonly extra: number;
  /** Interface tables shown, from the top (Infinity: all). */
  readonly tables: number;
}

/** Every fold to try, from showing everything to showing least. */
function folds(several: boolean, mostRows: number, tableCount: number): Fold[] {
  const list: Fold[] = [];
  const all = (allInterfaces: Fold['allInterfaces'], perInterface: number, extra = 0): void => {
    for (const spacing of [true, false]) list.push({ spacing, allInterfaces, perInterface, extra, tables: Infinity });
  };
  all('full', Infinity);
  const stages: Fold['allInterfaces'][] = several ? ['totals', 'gone'] : [];
  for (const stage of stages) all(stage, Infinity);
  const last = several ? 'gone' : 'full';
  for (let rows = mostRows - 1; rows >= 0; rows--) {
    for (let extra = tableCount - 1; extra >= 0; extra--) all(last, rows, extra);
  }
  for (let tables = tableCount - 1; tables >= 1; tables--) list.push({ spacing: false, allInterfaces: last, perInterface: 0, extra: 0, tables });
  return list;
}

function sectionTitle(title: string, notes: readonly string[], size: ScreenSize): Line {
  const rule = size.unicode ? '━' : '-';
  const start = `${rule}${rule} ${title}`;
  // The longest note that leaves room for the title and a bit of rule.
  const note = firstThatFits(notes, size.width - start.length - 3);
  const label = `${start}${note} `;
  return [{ text: label + rule.repeat(Math.max(0, size.width - label.length)), tone: 'section' }];
}

const ROW_NOUN: Readonly<Record<DashboardView, string>> = {
  protocols: 'protocol',
  ports: 'port',
  hosts: 'host',
  conversations: 'conversation',
  processes: 'process',
  users: 'user',
  cgroups: 'cgroup',
};

/** The tables of single interfaces, and the all-interfaces one that folds first (when there are others to show). */
interface Tables {
  readonly interfaces: readonly BuiltTable[];
  readonly all: BuiltTable | undefined;
  /** What a table's rows are, for its notes: protocols, or a breakdown view's ports, hosts, conversations. */
  readonly rowsAre: DashboardView;
}

/** One way to show the tables: which tables, in which columns, folded how far. */
interface Attempt {
  readonly tables: Tables;
  readonly layout: ColumnLayout;
  readonly fold: Fold;
}

function compose({ interfaces: interfaceTables, all: allTable, rowsAre }: Tables, layout: ColumnLayout, fold: Fold, size: ScreenSize, narrowNote: string | undefined): Line[] {
  const lines: Line[] = [];
  const shownTables = interfaceTables.slice(0, fold.tables);
  const hiddenTables = interfaceTables.length - shownTables.length;
  if (hiddenTables > 0) {
    const interfaces = hiddenTables === 1 ? 'interface' : 'interfaces';
    const wordings = [`${hiddenTables} more ${interfaces} below: make the terminal taller`, `${hiddenTables} ${interfaces} hidden`, `${hiddenTables} hidden`];
    lines.push([{ text: firstThatFits(wordings, size.width), tone: 'note' }]);
  }
  if (narrowNote) lines.push([{ text: narrowNote, tone: 'note' }]);
  if (fold.spacing && lines.length === 0) lines.push([]);
  // What each table shows, then one sparkline scale for all of it: the busiest line on screen.
  const shown: { table: BuiltTable; rows: readonly (readonly TableLine[])[]; notes: readonly string[] }[] = [];
  const table = (t: BuiltTable, keep: number, notes: (shown: number, all: number) => string[]): void => {
    const rows = t.rows.slice(0, keep);
    shown.push({ table: t, rows, notes: rows.length === t.rows.length ? (t.section.notes ?? ['']) : notes(rows.length, t.rows.length) });
  };
  for (const [i, t] of shownTables.entries()) {
    table(t, fold.perInterface + (i < fold.extra ? 1 : 0), (shown, all) =>
      shown === 0
        ? [` (totals only: make the terminal taller for every ${ROW_NOUN[rowsAre]})`, ' (totals only)', '']
        : [` (top ${shown} of ${all} ${rowsAre}: make the terminal taller for all)`, ` (top ${shown} of ${all})`, ''],
    );
  }
  if (allTable && fold.allInterfaces !== 'gone') {
    table(allTable, fold.allInterfaces === 'full' ? Infinity : 0, () => [' (totals only: every interface is above)', ' (totals only)', '']);
  }
  const visible = (history: readonly number[]): readonly number[] => (layout.historyWidth > 0 ? history.slice(-layout.historyWidth) : []);
  const peak = peakOf(shown.flatMap(({ table: t, rows }) => [...rows.flat(), ...t.totals].map((l) => visible(l.history))));
  lines.push(layout.heading(peak));
  for (const { table: t, rows, notes } of shown) {
    lines.push(sectionTitle(t.section.title, notes, size));
    lines.push(...[...rows.flat(), ...t.totals].map((l) => layout.render(l, peak)));
  }
  return lines;
}

function builtTable(section: Section, state: DashboardState): BuiltTable {
  const rows = section.rows.map((row) => tableLines(row, state, false));
  const totals = tableLines(section.total, state, true);
  return { section, rows, totals };
}

function everyLine(tables: readonly BuiltTable[]): TableLine[] {
  return tables.flatMap((t) => [...t.rows.flat(), ...t.totals]);
}

export function tableBody(state: DashboardState, frame: Frame, size: ScreenSize, room: number): Line[] {
  const attempts = state.view !== 'protocols' && frame.snapshot.breakdown ? breakdownAttempts(state, state.view, frame, size, room) : protocolAttempts(state, frame, size);
  let smallest: Attempt | undefined;
  for (const attempt of attempts) {
    smallest = attempt;
    const hidden = attempt.layout.hidden.join(', ');
    const narrow = hidden === '' ? undefined : firstThatFits([`narrow: ${hidden} hidden; widen the terminal`, `${hidden} hidden`, 'columns hidden: widen'], size.width);
    // The narrow note is the first thing to give up, at every fold.
    for (const note of narrow ? [narrow, undefined] : [undefined]) {
      const lines = compose(attempt.tables, attempt.layout, attempt.fold, size, note);
      if (lines.length <= room) return lines;
    }
  }
  // Not even one table's totals fit: what fits of the smallest fold.
  return smallest ? compose(smallest.tables, smallest.layout, smallest.fold, size, undefined) : [];
}

function protocolAttempts(state: DashboardState, frame: Frame, size: ScreenSize): Attempt[] {
  const tables = sections(frame, state.baseline, state.sort).map((section) => builtTable(section, state));
  const layout = fitColumns(everyLine(tables), size.width, frame.history.capacity, size.unicode, state.units);
  const single = tables.filter((t) => t.section.title !== ALL_INTERFACES);
  const all = tables.find((t) => t.section.title === ALL_INTERFACES);
  // -i any before any interface has counters: the all-interfaces table is the only one, and folds as one.
  const parts: Tables = single.length > 0 ? { interfaces: single, all, rowsAre: 'protocols' } : { interfaces: all ? [all] : [], all: undefined, rowsAre: 'protocols' };
  const mostRows = Math.max(0, ...parts.interfaces.map((t) => t.rows.length));
  return folds(parts.all !== undefined, mostRows, parts.interfaces.length).map((fold) => ({ tables: parts, layout, fold }));
}

/**
 * A breakdown view's table with as many rows as could fit (heading, title
 * and the two total lines take four lines, each row two), then one row
 * fewer at a time, the rest folded into "other"; for each, the blank line
 * goes first. Last, the totals alone. Built lazily: most screens need the
 * first one or two.
 */
function* breakdownAttempts(state: DashboardState, view: Exclude<DashboardView, 'protocols'>, frame: Frame, size: ScreenSize, room: number): Generator<Attempt> {
  const whole = { allInterfaces: 'gone', perInterface: Infinity, extra: 0, tables: Infinity } as const;
  for (let rows = Math.max(1, Math.floor((room - 4) / 2)); rows >= 1; rows--) {
    const table = builtTable(breakdownSection(frame, view, state.baseline, state.sort, rows), state);
    const tables: Tables = { interfaces: [table], all: undefined, rowsAre: view };
    const layout = fitColumns(everyLine([table]), size.width, frame.history.capacity, size.unicode, state.units, table.section.nameTitle);
    for (const spacing of [true, false]) yield { tables, layout, fold: { ...whole, spacing } };
    if (rows === 1) yield { tables, layout, fold: { ...whole, spacing: false, perInterface: 0 } };
  }
}
