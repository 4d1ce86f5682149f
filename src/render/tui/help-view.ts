/**
 * The key list the dashboard shows on ? (and the man page's KEYS section).
 */
import { IDLE_AFTER_SECONDS, RATE_WINDOW_SECONDS } from '../../model/rate-history.js';
import { wrapWords } from './fit-text.js';
import type { Line } from './screen-lines.js';

/** [keys, what they do], in the order shown. */
export const DASHBOARD_KEYS: readonly (readonly [string, string])[] = [
  ['q, Ctrl-C', 'quit (the filter is detached, the terminal restored)'],
  ['Ctrl-Z', 'suspend to the shell (the terminal restored); fg redraws'],
  ['p', 'pause the display (counting goes on); p again resumes'],
  ['r', 'reset the displayed counters and history to zero (the kernel keeps counting)'],
  ['s', `sort by rate (the default, averaged over ${RATE_WINDOW_SECONDS} s), bytes, packets or name`],
  ['u', 'units: bytes or bits, IEC (KiB) or SI (kB)'],
  ['e', 'exact values: every digit instead of 1.2 MiB'],
  ['b', `with --by: protocols and each view --by collected, in turn (rows idle for ${IDLE_AFTER_SECONDS} s fold into other)`],
  ['?, h', 'show or hide this help (Esc hides it too)'],
];

const KEY_COLUMN = 12;

/** The key list, wrapped at words to `width` columns. */
export function helpLines(width: number): Line[] {
  const textWidth = Math.max(1, width - KEY_COLUMN);
  const paragraph = (text: string): Line[] => wrapWords(text, width).map((line): Line => [{ text: line, tone: 'plain' }]);
  return [
    [],
    [{ text: 'Keys', tone: 'heading' }],
    ...DASHBOARD_KEYS.flatMap(([key, text]) =>
      wrapWords(text, textWidth).map((line, i): Line => [
        { text: i === 0 ? `  ${key.padEnd(KEY_COLUMN - 2)}` : ' '.repeat(KEY_COLUMN), tone: 'key' },
        { text: line, tone: 'plain' },
      ]),
    ),
    [],
    ...paragraph('tx: frames the interface sent; rx: all others it saw. On lo each frame is both.'),
    ...paragraph('TOTAL counts bytes (frame length) and packets since start or reset.'),
    ...paragraph(`RATE and PKT/S: averaged over the last ${RATE_WINDOW_SECONDS} s.`),
    ...paragraph("HISTORY: bytes per second, one scale for the whole screen (the busiest line's peak, in the heading)."),
  ];
}
