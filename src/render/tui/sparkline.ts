/**
 * A rate history as one line of bars, newest on the right. All lines of a
 * table share one scale (its busiest line's peak), so a 200 B/s row draws
 * lower bars than a 200 KiB/s row beside it; zero is blank and any traffic
 * at all is at least the lowest bar. While the history is shorter than the
 * line, the bars start at the left, beside the numbers.
 */

const UNICODE_BARS = '▁▂▃▄▅▆▇█';
/** For terminals without UTF-8: eight steps that still read as rising. */
const ASCII_BARS = '.:-=+*#@';

/** The highest finite rate in these histories: the scale for drawing them together. */
export function peakOf(histories: readonly (readonly number[])[]): number {
  return Math.max(0, ...histories.flatMap((values) => values.filter(Number.isFinite)));
}

/** `values` drawn in `width` columns against `peak` (default: their own highest value). */
export function sparkline(values: readonly number[], width: number, unicode: boolean, peak = peakOf([values])): string {
  if (width <= 0) return '';
  const bars = unicode ? UNICODE_BARS : ASCII_BARS;
  const shown = values.slice(Math.max(0, values.length - width));
  let line = '';
  for (const value of shown) {
    if (!(value > 0) || !(peak > 0)) {
      line += ' ';
      continue;
    }
    const level = Math.min(bars.length, Math.max(1, Math.ceil((value / peak) * bars.length)));
    line += bars[level - 1];
  }
  return line.padEnd(width, ' ');
}
