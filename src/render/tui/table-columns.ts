/**
 * The tables' columns: which fit the width, how wide each is, and one
 * table line as segments. Every table on screen shares the same columns,
 * so they line up.
 */
import type { Direction } from '../../model/counters.js';
import { formatAmount, formatCount, formatPacketRate, formatRate, type UnitMode } from '../units.js';
import type { DashboardState } from './dashboard-state.js';
import { firstThatFits } from './fit-text.js';
import type { ProtocolRow } from './protocol-rows.js';
import type { Line, Segment } from './screen-lines.js';
import { sparkline } from './sparkline.js';

type ColumnId = 'name' | 'dir' | 'bytes' | 'packets' | 'rate' | 'pps' | 'history';
type TextColumnId = Exclude<ColumnId, 'history'>;

interface Column {
  readonly id: ColumnId;
  readonly title: string;
  readonly right: boolean;
  /** Room for typical rounded values, so columns do not jump as numbers grow. */
  readonly min: number;
}

const COLUMNS: readonly Column[] = [
  { id: 'name', title: 'PROTOCOL', right: false, min: 8 },
  { id: 'dir', title: 'DIR', right: false, min: 3 },
  { id: 'bytes', title: 'TOTAL', right: true, min: 10 },
  { id: 'packets', title: 'PACKETS', right: true, min: 7 },
  { id: 'rate', title: 'RATE', right: true, min: 12 },
  { id: 'pps', title: 'PKT/S', right: true, min: 10 },
  { id: 'history', title: 'HISTORY', right: false, min: 0 },
];

const HISTORY = COLUMNS.find((c) => c.id === 'history') as Column;

/** Columns given up first when the terminal is narrow (the name, direction and total always stay). */
const DROP_ORDER: readonly ColumnId[] = ['history', 'pps', 'packets', 'rate'];
const GAP = '  ';
const MIN_HISTORY = 5;
/**
 * A minute at the default interval: on a wide terminal the history stays
 * beside its numbers instead of stretching to the far right.
 */
const MAX_HISTORY = 60;

/** One line of a table (a protocol's tx or rx), as text cells and its rate history. */
export interface TableLine {
  readonly cells: Readonly<Record<TextColumnId, string>>;
  readonly history: readonly number[];
  readonly total: boolean;
}

export function tableLines(row: ProtocolRow, state: DashboardState, total: boolean): TableLine[] {
  return (['tx', 'rx'] as const satisfies readonly Direction[]).map((dir) => {
    const t = row[dir];
    return {
      cells: {
        name: dir === 'tx' ? row.name : '',
        dir,
        bytes: formatAmount(t.bytes, state.units, state.exact),
        packets: formatCount(t.packets, state.exact),
        rate: formatRate(t.bytesPerSecond, state.units, state.exact),
        pps: formatPacketRate(t.packetsPerSecond, state.exact),
      },
      history: t.history,
      total,
    };
  });
}

export interface ColumnLayout {
  /** The column titles, as the heading line; HISTORY says its scale (`peak`) where it has room. */
  heading(peak: number): Line;
  /** Titles of the columns left out for want of width. */
  readonly hidden: readonly string[];
  /** Samples the history column shows (0: no history column), the newest. */
  readonly historyWidth: number;
  /** A table line; `peak` is the highest rate on screen, the sparklines' common scale. */
  render(line: TableLine, peak: number): Line;
}

/**
 * The columns that fit `width`, sized for every line that could be shown.
 * `historyCapacity` 0: the tables keep no history, so there is no history
 * column, and none is said to be hidden. `units`: for the history's scale
 * in the heading. `nameTitle`: the first column's title (PORT, HOST in a
 * breakdown view).
 */
export function fitColumns(
  everyLine: readonly TableLine[],
  width: number,
  historyCapacity: number,
  unicode: boolean,
  units: UnitMode,
  nameTitle = 'PROTOCOL',
): ColumnLayout {
  const title = (column: Column): string => (column.id === 'name' ? nameTitle : column.title);
  const widths = new Map<ColumnId, number>();
  for (const column of COLUMNS) {
    if (column.id === 'history') continue;
    const id = column.id;
    widths.set(id, Math.max(title(column).length, column.min, ...everyLine.map((l) => l.cells[id].length)));
  }
  const kept = COLUMNS.filter((c) => c.id !== 'history' || historyCapacity > 0);
  const shown = new Set<ColumnId>(kept.map((c) => c.id));
  const fixedWidth = (): number =>
    COLUMNS.filter((c) => c.id !== 'history' && shown.has(c.id)).reduce((sum, c) => sum + (widths.get(c.id) ?? 0), 0) +
    GAP.length * ([...shown].filter((id) => id !== 'history').length - 1);
  let historyWidth = 0;
  for (const id of DROP_ORDER) {
    if (id === 'history' && historyCapacity === 0) continue;
    if (id === 'history') {
      historyWidth = Math.min(historyCapacity, MAX_HISTORY, width - fixedWidth() - GAP.length);
      if (historyWidth >= MIN_HISTORY) break;
      historyWidth = 0;
    } else if (fixedWidth() <= width) {
      break;
    }
    shown.delete(id);
  }
  const columns = COLUMNS.filter((c) => shown.has(c.id));
  const cell = (column: Column, text: string): string => {
    const w = column.id === 'history' ? historyWidth : (widths.get(column.id) ?? 0);
    return column.right ? text.padStart(w) : text.padEnd(w);
  };
  // The sparklines' scale, where there is room: the top bar is this rate. HIST fits the narrowest column (MIN_HISTORY).
  const historyTitle = (peak: number): string => {
    const max = `max ${formatRate(peak, units, false)}`;
    return firstThatFits([...(peak > 0 ? [`${HISTORY.title} (${max})`, max] : []), HISTORY.title, 'HIST'], historyWidth);
  };
  return {
    heading: (peak) => [{ text: columns.map((c, i) => (i === 0 ? '' : GAP) + cell(c, c.id === 'history' ? historyTitle(peak) : title(c))).join(''), tone: 'heading' }],
    hidden: kept.filter((c) => !shown.has(c.id)).map(title),
    historyWidth,
    render(line, peak) {
      const segments: Segment[] = [];
      columns.forEach((column, i) => {
        const gap = i === 0 ? '' : GAP;
        if (column.id === 'history') {
          segments.push({ text: gap, tone: 'plain' }, { text: sparkline(line.history, historyWidth, unicode, peak), tone: 'spark' });
        } else {
          segments.push({ text: gap + cell(column, line.cells[column.id]), tone: line.total ? 'total' : 'plain' });
        }
      });
      return segments;
    },
  };
}
