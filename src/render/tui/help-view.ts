/**
 * The key list the dashboard shows on ? (and the man page's KEYS section).
 */
import type { Line } from './screen-lines.js';

/** [keys, what they do], in the order shown. */
export const DASHBOARD_KEYS: readonly (readonly [string, string])[] = [
  ['q, Ctrl-C', 'quit (the filter is detached, the terminal restored)'],
  ['Ctrl-Z', 'suspend to the shell (the terminal restored); fg redraws'],
  ['p', 'pause the display (counting goes on); p again resumes'],
  ['r', 'reset the displayed counters and history to zero (the kernel keeps counting)'],
  ['s', 'sort by bytes, rate, packets or name'],
  ['u', 'units: bytes or bits, IEC (KiB) or SI (kB)'],
  ['e', 'exact values: every digit instead of 1.2 MiB'],
  ['?, h', 'show or hide this help (Esc hides it too)'],
];

export function helpLines(): Line[] {
  return [
    [],
    [{ text: 'Keys', tone: 'heading' }],
    ...DASHBOARD_KEYS.map(([key, text]): Line => [
      { text: `  ${key.padEnd(10)}`, tone: 'key' },
      { text, tone: 'plain' },
    ]),
    [],
    [{ text: 'tx: frames the interface sent; rx: all others it saw. On lo each frame is both.', tone: 'plain' }],
    [{ text: 'TOTAL counts bytes (frame length) and packets since start or reset.', tone: 'plain' }],
    [{ text: "HISTORY: bytes per second, one scale per table (its busiest row's peak).", tone: 'plain' }],
  ];
}
