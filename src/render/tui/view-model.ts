/**
 * The dashboard as lines: from the state (snapshot, history, view settings)
 * to the exact text of a screen of a given size, each piece tagged with a
 * tone. Pure, so every layout decision is unit-tested without a terminal;
 * tui.ts only paints these lines.
 */
import type { Direction } from '../../model/counters.js';
import {
  formatAmount,
  formatCount,
  formatDuration,
  formatInterval,
  formatPacketRate,
  formatRate,
  unitModeLabel,
} from '../units.js';
import { VIEW_TITLES, breakdownSection } from './breakdown-rows.js';
import type { DashboardState, Frame } from './dashboard-state.js';
import { ALL_INTERFACES, sections, type ProtocolRow } from './protocol-rows.js';
import { sparkline } from './sparkline.js';

/** How a piece of text should look; tui.ts maps tones to colours (or to nothing). */
export type Tone = 'plain' | 'title' | 'heading' | 'section' | 'total' | 'spark' | 'live' | 'paused' | 'note' | 'key';

export interface Segment {
  readonly text: string;
  readonly tone: Tone;
}

export type Line = readonly Segment[];

export interface ScreenSize {
  readonly width: number;
  readonly height: number;
  /** The terminal shows UTF-8 (block characters for sparklines and rules). */
  readonly unicode: boolean;
}

/** Below this the dashboard would garble; it says so instead. */
export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 8;

type ColumnId = 'name' | 'dir' | 'bytes' | 'packets' | 'rate' | 'pps' | 'history';

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

/** Columns given up first when the terminal is narrow (the name, direction and total always stay). */
const DROP_ORDER: readonly ColumnId[] = ['history', 'pps', 'packets', 'rate'];
const GAP = '  ';
const MIN_HISTORY = 5;

interface TableLine {
  readonly cells: Readonly<Record<Exclude<ColumnId, 'history'>, string>>;
  readonly history: readonly number[];
  readonly total: boolean;
}

function tableLines(row: ProtocolRow, state: DashboardState, total: boolean): TableLine[] {
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

/** Fit segments into exactly `width` columns: cut what overflows, pad the rest. */
export function fitLine(line: Line, width: number): Line {
  const out: Segment[] = [];
  let used = 0;
  for (const segment of line) {
    if (used >= width) break;
    const text = segment.text.slice(0, width - used);
    if (text !== '') out.push({ text, tone: segment.tone });
    used += text.length;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), tone: 'plain' });
  return out;
}

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

/** The whole screen, exactly `height` lines of exactly `width` columns. */
export function buildScreen(state: DashboardState, size: ScreenSize): Line[] {
  const { width, height } = size;
  if (width < MIN_WIDTH || height < MIN_HEIGHT) return tooSmall(size);

  const header = headerLines(state, width);
  const footer = footerLine(state, width);
  const room = height - header.length - 1;
  const waiting: Line[] = [[], [{ text: 'waiting for the first sample...', tone: 'note' }]];
  const body = state.help ? helpLines() : state.shown ? tableBody(state, state.shown, size, room) : waiting;

  const lines = [...header, ...body.slice(0, room)];
  while (lines.length < height - 1) lines.push([]);
  lines.push(footer);
  return lines.map((line) => fitLine(line, width));
}

function tooSmall(size: ScreenSize): Line[] {
  const message = [
    `terminal too small: ${size.width}x${size.height}`,
    `sockex needs at least ${MIN_WIDTH}x${MIN_HEIGHT}`,
    '(80x24 shows everything)',
    'enlarge it, or q to quit',
  ];
  const lines: Line[] = message.slice(0, Math.max(1, size.height)).map((text) => [{ text, tone: 'note' }]);
  while (lines.length < size.height) lines.push([]);
  return lines.map((line) => fitLine(line, Math.max(0, size.width)));
}

/** The first line: what is counted, for how long, and whether the view is live; shortened to fit. */
function headerLines(state: DashboardState, width: number): Line[] {
  const latest = state.latest;
  const names = latest?.snapshot.interfaces ?? [];
  const build = (short: boolean): Segment[] => {
    const first: Segment[] = [
      { text: 'sockex', tone: 'title' },
      { text: `  ${short && names.length > 1 ? `${names.length} interfaces` : names.join(', ')}`, tone: 'plain' },
    ];
    if (latest) {
      first.push({ text: `  elapsed ${formatDuration(latest.snapshot.elapsed)}`, tone: 'plain' });
      if (state.baseline) first.push({ text: `  reset ${formatDuration(latest.snapshot.elapsed - state.baseline.elapsed)} ago`, tone: 'plain' });
      if (!short) first.push({ text: `  interval ${formatInterval(latest.status.interval)}`, tone: 'plain' });
    }
    first.push({ text: '  ', tone: 'plain' });
    if (state.paused) {
      first.push({ text: ' PAUSED ', tone: 'paused' });
      if (state.shown) first.push({ text: ` at ${formatDuration(state.shown.snapshot.elapsed)}${short ? '' : ', counting goes on'}`, tone: 'plain' });
    } else {
      first.push({ text: ' LIVE ', tone: 'live' });
    }
    return first;
  };
  const long = build(false);
  const lines: Line[] = [lineText(long).length <= width ? long : build(true)];
  const demo = latest?.status.demo;
  if (demo) {
    const replies = `${demo.received} of ${demo.transmitted} ${demo.transmitted === 1 ? 'reply' : 'replies'} back`;
    lines.push([
      { text: 'demo: ', tone: 'title' },
      { text: demo.running ? `ping localhost running, ${replies}` : `ping localhost finished, ${replies}; q quits`, tone: 'plain' },
    ]);
  }
  return lines;
}

function footerLine(state: DashboardState, width: number): Line {
  // [key, what it does, its current setting]: the settings go first when room is short.
  const keys: [string, string, string][] = [
    ['q', 'quit', ''],
    ['p', state.paused ? 'resume' : 'pause', ''],
    ['r', 'reset', ''],
    ['s', 'sort', `:${state.sort}`],
    ['u', 'units', `:${unitModeLabel(state.units)}`],
    ['e', 'exact', `:${state.exact ? 'on' : 'off'}`],
    ...(state.latest?.snapshot.breakdown ? [['b', 'view', `:${state.view}`] as [string, string, string]] : []),
    ['?', state.help ? 'close help' : 'help', ''],
  ];
  const build = (long: boolean): Segment[] =>
    keys.flatMap(([key, label, setting], i) => [
      { text: `${i === 0 ? '' : '  '}${key}`, tone: 'key' as const },
      { text: ` ${label}${long ? setting : ''}`, tone: 'plain' as const },
    ]);
  const long = build(true);
  return lineText(long).length <= width ? long : build(false);
}

export function helpLines(): Line[] {
  const keys: [string, string][] = [
    ['q, Ctrl-C', 'quit (the filter is detached, the terminal restored)'],
    ['p', 'pause the display (counting goes on); p again resumes'],
    ['r', 'reset the displayed counters to zero (the kernel keeps counting)'],
    ['s', 'sort by bytes, rate, packets or name'],
    ['u', 'units: bytes or bits, IEC (KiB) or SI (kB)'],
    ['e', 'exact values: every digit instead of 1.2 MiB'],
    ['b', 'with --by: protocols, ports, hosts or conversations'],
    ['?, h', 'show or hide this help (Esc hides it too)'],
  ];
  return [
    [],
    [{ text: 'Keys', tone: 'heading' }],
    ...keys.map(([key, text]): Line => [
      { text: `  ${key.padEnd(10)}`, tone: 'key' },
      { text, tone: 'plain' },
    ]),
    [],
    [{ text: 'tx: frames the interface sent; rx: all others it saw. On lo each frame is both.', tone: 'plain' }],
    [{ text: 'TOTAL counts bytes (frame length) and packets since start or reset.', tone: 'plain' }],
  ];
}

/**
 * The tables, fitted to the room: if everything does not fit, first the
 * spacing goes, then the per-interface tables shrink to their totals (the
 * all-interfaces table keeps every protocol), then the bottom is cut with a
 * note saying how much is hidden.
 */
function tableBody(state: DashboardState, frame: Frame, size: ScreenSize, room: number): Line[] {
  // A breakdown view is one table of the rows that fit (two lines each) beside
  // the column header, spacing, title, a note and the two total lines; no history.
  const breakdownView = state.view !== 'protocols' && frame.snapshot.breakdown !== undefined;
  const all = breakdownView ? [breakdownSection(frame, state.view, state.baseline, state.sort, Math.floor((room - 6) / 2))] : sections(frame, state.baseline, state.sort);
  const title = (column: Column): string => (column.id === 'name' ? VIEW_TITLES[breakdownView ? state.view : 'protocols'] : column.title);
  const several = all.length > 1;
  const built = all.map((section) => ({
    section,
    rows: section.rows.map((row) => tableLines(row, state, false)),
    totals: tableLines(section.total, state, true),
  }));

  // Column widths from everything that could be shown, so every table lines up.
  const everyLine = built.flatMap((b) => [...b.rows.flat(), ...b.totals]);
  const widths = new Map<ColumnId, number>();
  for (const column of COLUMNS) {
    if (column.id === 'history') continue;
    const id = column.id;
    widths.set(id, Math.max(title(column).length, column.min, ...everyLine.map((l) => l.cells[id].length)));
  }
  const shown = new Set<ColumnId>(COLUMNS.map((c) => c.id).filter((id) => !breakdownView || id !== 'history'));
  const fixedWidth = (): number =>
    COLUMNS.filter((c) => c.id !== 'history' && shown.has(c.id)).reduce((sum, c) => sum + (widths.get(c.id) ?? 0), 0) +
    GAP.length * ([...shown].filter((id) => id !== 'history').length - 1);
  let historyWidth = 0;
  for (const id of DROP_ORDER) {
    if (id === 'history' && breakdownView) continue;
    if (id === 'history') {
      historyWidth = Math.min(frame.history.capacity, size.width - fixedWidth() - GAP.length);
      if (historyWidth >= MIN_HISTORY) break;
      historyWidth = 0;
    } else if (fixedWidth() <= size.width) {
      break;
    }
    shown.delete(id);
  }
  const columns = COLUMNS.filter((c) => shown.has(c.id));
  const hidden = COLUMNS.filter((c) => !shown.has(c.id) && !(breakdownView && c.id === 'history')).map(title);

  const cell = (column: Column, text: string): string => {
    const w = column.id === 'history' ? historyWidth : (widths.get(column.id) ?? 0);
    return column.right ? text.padStart(w) : text.padEnd(w);
  };
  const renderTableLine = (l: TableLine): Line => {
    const segments: Segment[] = [];
    columns.forEach((column, i) => {
      const gap = i === 0 ? '' : GAP;
      if (column.id === 'history') {
        segments.push({ text: gap, tone: 'plain' }, { text: sparkline(l.history, historyWidth, size.unicode), tone: 'spark' });
        return;
      }
      segments.push({ text: gap + cell(column, l.cells[column.id]), tone: l.total ? 'total' : 'plain' });
    });
    return segments;
  };
  const columnHeader: Line = [{ text: columns.map((c, i) => (i === 0 ? '' : GAP) + cell(c, title(c))).join(''), tone: 'heading' }];
  // Not '─': blessed draws that with the line-drawing charset, which tmux's capture shows as 'q'.
  const rule = size.unicode ? '━' : '-';
  const sectionTitle = (title: string, note: string): Line => {
    const label = `${rule}${rule} ${title}${note} `;
    return [{ text: label + rule.repeat(Math.max(0, size.width - label.length)), tone: 'section' }];
  };

  const narrow = hidden.length > 0 ? `narrow: ${hidden.join(', ')} hidden; widen the terminal` : undefined;
  /**
   * Lines for the tables: each interface's table keeps its first `perInterface`
   * rows (all of them when it is Infinity), the all-interfaces table keeps
   * every row, and then the last `dropRows` rows overall go. Totals always stay.
   */
  const compose = (spacing: boolean, perInterface: number, dropRows = 0): Line[] => {
    const notes = [narrow, dropRows > 0 ? `${dropRows} protocol rows hidden: make the terminal taller` : undefined].filter((n) => n !== undefined);
    const lines: Line[] = notes.map((text) => [{ text, tone: 'note' }]);
    if (spacing && notes.length === 0) lines.push([]);
    lines.push(columnHeader);
    let toDrop = dropRows;
    const kept = [...built].reverse().map((b) => {
      const limit = several && b.section.title !== ALL_INTERFACES ? perInterface : Infinity;
      const rows = b.rows.slice(0, Math.max(0, Math.min(limit, b.rows.length - toDrop)));
      toDrop -= Math.max(0, Math.min(limit, b.rows.length) - rows.length);
      return { b, rows };
    });
    for (const { b, rows } of kept.reverse()) {
      const shownRows = rows.length;
      const all = b.rows.length;
      const note = shownRows === all ? '' : shownRows === 0 ? ' (totals only: enlarge the terminal for every protocol)' : ` (top ${shownRows} of ${all} protocols: enlarge the terminal for all)`;
      lines.push(sectionTitle(b.section.title, note));
      lines.push(...[...rows.flat(), ...b.totals].map(renderTableLine));
    }
    return lines;
  };
  // Everything, with spacing if there is room for it.
  for (const spacing of [true, false]) {
    const lines = compose(spacing, Infinity);
    if (lines.length <= room) return lines;
  }
  // Several interfaces: the all-interfaces table stays whole; each interface shows as many of its top rows as fit.
  if (several) {
    const most = Math.max(0, ...built.map((b) => b.rows.length));
    for (let perInterface = most - 1; perInterface >= 0; perInterface--) {
      for (const spacing of [true, false]) {
        const lines = compose(spacing, perInterface);
        if (lines.length <= room) return lines;
      }
    }
  }
  // Still too tall: give up protocol rows from the bottom, two lines each, keeping every total.
  const over = compose(false, 0).length + 1 - room;
  return compose(false, 0, Math.ceil(Math.max(0, over) / 2));
}
