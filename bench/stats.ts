/**
 * Small statistics and table formatting for the benchmark's output.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.min(...values);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** A number with a fixed count of decimals, or "n/a" for what was not measured. */
export function fixed(value: number | undefined, decimals = 1): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(decimals);
}

/** Thousands separated by a thin comma, for packet counts and rates. */
export function count(value: number | bigint | undefined): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return 'n/a';
  return (typeof value === 'bigint' ? value : BigInt(Math.round(value))).toLocaleString('en-US');
}

export function percent(ratio: number | undefined, decimals = 1): string {
  return ratio === undefined || !Number.isFinite(ratio) ? 'n/a' : `${(ratio * 100).toFixed(decimals)}%`;
}

/** A Markdown table: readable in a terminal and pasted as is into RESULTS.md. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** One goal of issue 6, what was measured against it, and whether it was met (undefined: not measured). */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export interface SectionResult {
  text: string;
  goals: Goal[];
}

export function goalsTable(goals: readonly Goal[]): string {
  return table(
    ['goal', 'measured', 'met'],
    goals.map((g) => [g.goal, g.measured, g.met === undefined ? 'n/a' : g.met ? 'yes' : 'NO']),
  );
}
