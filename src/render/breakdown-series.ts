/**
 * sockex_breakdown_{bytes,packets}_total (--by with --metrics): the labels of
 * the protocol families plus port and/or host, for the keys the series
 * budget (model/series-budget.ts) gives a series, and "other" for the rest.
 */
import type { BreakdownBy, BreakdownKey } from '../model/breakdown.js';
import type { Snapshot } from '../model/snapshot.js';
import { SeriesBudget, type BudgetSeries, type SeriesBudgetOptions } from '../model/series-budget.js';
import { familyHeader, labelText, valueText, type Pieces } from './exposition.js';
import { ownerLabels } from './owner-fields.js';
import { directionLabels, protocolLabel } from './protocol-series.js';

const BREAKDOWN_BYTES_METRIC = 'sockex_breakdown_bytes_total';
const BREAKDOWN_PACKETS_METRIC = 'sockex_breakdown_packets_total';

/** What each split is, as the help text says it. */
const SPLIT_HELP: Readonly<Record<BreakdownBy, string>> = {
  port: 'service port (the lower of the two)',
  host: 'host (the other end)',
  process: 'process (command and user; never pid)',
  user: 'user',
  cgroup: 'cgroup (path, container, pod_uid)',
};

function labelsOf(k: BreakdownKey): [string, string][] {
  const out: [string, string][] = [
    ['device', k.interface],
    ['direction', directionLabels[k.direction]],
    ['family', k.family],
    ['protocol', protocolLabel(k.family, k.protocol)],
  ];
  if (k.port !== undefined) out.push(['port', String(k.port)]);
  if (k.host !== undefined) out.push(['host', k.host]);
  out.push(...ownerLabels(k));
  return out;
}

/** A series' two sample lines (bytes, packets), made once per exported series: the budget hands on the same object while its counts stay put. */
interface SeriesLines {
  readonly bytes: string;
  readonly packets: string;
}

export class BreakdownSeries {
  private readonly budget: SeriesBudget;
  private readonly headers: Record<'bytes' | 'packets', string>;
  private series: readonly BudgetSeries[] = [];
  private readonly lines = new WeakMap<BudgetSeries, SeriesLines>();

  constructor(by: readonly BreakdownBy[], budget: SeriesBudgetOptions) {
    this.budget = new SeriesBudget(budget);
    const split = by.map((b) => SPLIT_HELP[b]).join(' and ');
    this.headers = {
      bytes: familyHeader(
        BREAKDOWN_BYTES_METRIC,
        'counter',
        `Bytes of IP frames by ${split}; at most ${budget.maxSeries} keys have a series while active, the rest count as "other". Sum rates, not values.`,
      ),
      packets: familyHeader(BREAKDOWN_PACKETS_METRIC, 'counter', `Frames of IP protocols by ${by.join(' and ')}, bounded like ${BREAKDOWN_BYTES_METRIC}.`),
    };
  }

  /** Call with every snapshot, in order. */
  render(snapshot: Snapshot): void {
    this.series = this.budget.fold(snapshot.breakdown?.counters ?? [], snapshot.elapsed);
  }

  /**
   * Both families added to out, separated by a blank line, without a
   * trailing newline. Thousands of series are thousands of lines: each is
   * made when its counts move, not at every scrape, and they go out in
   * pieces, never as one string.
   */
  write(out: Pieces): void {
    for (const field of ['bytes', 'packets'] as const) {
      if (field === 'packets') out.add('\n\n');
      out.add(this.headers[field]);
      for (const s of this.series) {
        out.add('\n');
        out.add(this.linesOf(s)[field]);
      }
    }
  }

  private linesOf(s: BudgetSeries): SeriesLines {
    let lines = this.lines.get(s);
    if (!lines) {
      const labels = labelText(labelsOf(s.key));
      // Joined, not templates: flat strings, kept as long as the series' counts stay put.
      lines = { bytes: [BREAKDOWN_BYTES_METRIC, labels, ' ', valueText(s.bytes)].join(''), packets: [BREAKDOWN_PACKETS_METRIC, labels, ' ', valueText(s.packets)].join('') };
      this.lines.set(s, lines);
    }
    return lines;
  }
}
