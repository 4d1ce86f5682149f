/**
 * The dashboard as lines: from the state (snapshot, history, view settings)
 * to the exact text of a screen of a given size, each piece tagged with a
 * tone. Pure, so every layout decision is unit-tested without a terminal;
 * tui.ts only paints these lines. The parts: header-view.ts, table-body.ts
 * (with table-columns.ts), footer-view.ts, help-view.ts.
 */
import type { DashboardState } from './dashboard-state.js';
import { footerLine } from './footer-view.js';
import { headerLines } from './header-view.js';
import { helpLines } from './help-view.js';
import { fitLine, type Line, type ScreenSize } from './screen-lines.js';
import { tableBody } from './table-body.js';

export { lineText } from './screen-lines.js';

/** Below this the dashboard would garble; it says so instead. */
const MIN_WIDTH = 40;
const MIN_HEIGHT = 8;

/** The whole screen, exactly `height` lines of exactly `width` columns. */
export function buildScreen(state: DashboardState, size: ScreenSize): Line[] {
  const { width, height } = size;
  if (width < MIN_WIDTH || height < MIN_HEIGHT) return tooSmall(size);

  const header = headerLines(state, width);
  const footer = footerLine(state, width);
  const room = height - header.length - 1;
  const waiting: Line[] = [[], [{ text: 'waiting for the first sample...', tone: 'note' }]];
  const body = state.help ? helpLines(width) : state.shown ? tableBody(state, state.shown, size, room) : waiting;

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
