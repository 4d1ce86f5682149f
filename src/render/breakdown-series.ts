/**
 * sockex_breakdown_{bytes,packets}_total (--by with --metrics): the labels of
 * the protocol families plus port and/or host, for the keys the series
 * budget (model/series-budget.ts) gives a series, and "other" for the rest.
 */
import type { BreakdownBy, BreakdownKey } from '../model/breakdown.js';
import type { Snapshot } from '../model/snapshot.js';
import { SeriesBudget, type BudgetSeries, type SeriesBudgetOptions } from '../model/series-budget.js';
import { familyHeader, labelText, valueText } from './exposition.js';
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

function labels(k: BreakdownKey): [string, string][] {
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

export class BreakdownSeries {
  private readonly budget: SeriesBudget;
  private readonly help: Record<'bytes' | 'packets', string>;
  private series: readonly BudgetSeries[] = [];
  /** The text of the last series list (the budget hands the same list back while nothing changed). */
  private text: { of: readonly BudgetSeries[]; value: string } | undefined;

  constructor(by: readonly BreakdownBy[], budget: SeriesBudgetOptions) {
    this.budget = new SeriesBudget(budget);
    const split = by.map((b) => SPLIT_HELP[b]).join(' and ');
    this.help = {
      bytes: `Bytes of IP frames by ${split}; at most ${budget.maxSeries} keys have a series while active, the rest count as "other". Sum rates, not values.`,
      packets: `Frames of IP protocols by ${by.join(' and ')}, bounded like ${BREAKDOWN_BYTES_METRIC}.`,
    };
  }

  /** Call with every snapshot, in order. */
  render(snapshot: Snapshot): void {
    this.series = this.budget.fold(snapshot.breakdown?.counters ?? [], snapshot.elapsed);
  }

  /** Both families, separated by a blank line, without a trailing newline. */
  write(): string {
    if (this.text?.of !== this.series) {
      const family = (name: string, field: 'bytes' | 'packets'): string =>
        [familyHeader(name, 'counter', this.help[field]), ...this.series.map((s) => `${name}${labelText(labels(s.key))} ${valueText(s[field])}`)].join('\n');
      this.text = { of: this.series, value: `${family(BREAKDOWN_BYTES_METRIC, 'bytes')}\n\n${family(BREAKDOWN_PACKETS_METRIC, 'packets')}` };
    }
    return this.text.value;
  }
}
