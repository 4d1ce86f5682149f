/**
 * A rate history as one line of bars, newest on the right. Each line is
 * scaled to its own peak, so a quiet protocol still shows its shape; zero is
 * blank and any traffic at all is at least the lowest bar.
 */

export const UNICODE_BARS = '▁▂▃▄▅▆▇█';
/** For terminals without UTF-8: eight steps that still read as rising. */
export const ASCII_BARS = '.:-=+*#@';

export function sparkline(values: readonly number[], width: number, unicode: boolean): string {
  if (width <= 0) return '';
  const bars = unicode ? UNICODE_BARS : ASCII_BARS;
  const shown = values.slice(Math.max(0, values.length - width));
  const peak = Math.max(0, ...shown.filter(Number.isFinite));
  let line = '';
  for (const value of shown) {
    if (!(value > 0) || peak === 0) {
      line += ' ';
      continue;
    }
    const level = Math.min(bars.length, Math.max(1, Math.ceil((value / peak) * bars.length)));
    line += bars[level - 1];
  }
  return line.padStart(width, ' ');
}
