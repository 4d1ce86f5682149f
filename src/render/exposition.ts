/**
 * The Prometheus text format (version 0.0.4), the little of it sockex needs:
 * a family is "# HELP" and "# TYPE" lines then its samples, families are
 * separated by a blank line and the text ends with a newline. Every family
 * sockex serves is written with these, its own and the process metrics alike.
 */

/** What the metrics server answers with. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge';

/** A label value as the format writes it (backslash, newline and double quote escaped). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** {name="value",...} in the order given; nothing when there are no labels. */
export function labelText(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  // Joined, flat: label texts are kept per series (a template's result is a tree of its pieces).
  return ['{', labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(','), '}'].join('');
}

/**
 * A sample value: counts are BigInt, written as the nearest float64. Up to
 * 2^53 that is exact; past it the value is what Prometheus would store
 * anyway, so nothing it could have kept is lost.
 */
export function valueText(value: number | bigint): string {
  return String(Number(value));
}

/** The two comment lines that start a family (no trailing newline). */
export function familyHeader(name: string, type: MetricType, help: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}`;
}

/** A family whose samples are few: one string, samples given as [labels, value]. */
export function familyText(name: string, type: MetricType, help: string, samples: readonly (readonly [readonly (readonly [string, string])[], number | bigint])[]): string {
  return [familyHeader(name, type, help), ...samples.map(([labels, value]) => `${name}${labelText(labels)} ${valueText(value)}`)].join('\n');
}

/**
 * The exposition's strings in order, kept as they are: with thousands of
 * interfaces the text is megabytes, made of per-device and per-series
 * strings the renderers keep from one scrape to the next. Joining them (into
 * one string, or pieces) would copy megabytes into the heap at every scrape;
 * the metrics server packs them into one reused buffer instead.
 */
export class Pieces {
  private readonly parts: string[] = [];

  add(text: string): void {
    if (text !== '') this.parts.push(text);
  }

  end(): string[] {
    return this.parts;
  }
}
