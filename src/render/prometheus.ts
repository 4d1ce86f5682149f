/**
 * Snapshots as Prometheus metrics, in node_exporter's vocabulary:
 *   sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 1476
 * plus sockex_build_info and (optionally) prom-client's default process
 * metrics. Values are those of the latest snapshot handed to render(), so a
 * scrape costs no kernel read and sees exactly what the other outputs saw.
 *
 * Counts are BigInt; the exposition library takes JS numbers. Up to 2^53
 * (9 PB, or 9 quadrillion packets) the conversion is exact; past it each count
 * is rounded to the nearest float64, which is what Prometheus stores anyway, so
 * nothing it could have kept is lost, and rounding never makes a counter go
 * backwards.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakdownBy, BreakdownCounter } from '../model/breakdown.js';
import type { Direction, Family } from '../model/counters.js';
import { protocolName } from '../model/protocols.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import { SeriesBound } from './breakdown-series.js';
import type { Renderer } from './renderer.js';

export const BYTES_METRIC = 'sockex_bytes_total';
export const PACKETS_METRIC = 'sockex_packets_total';
export const BUILD_INFO_METRIC = 'sockex_build_info';
/** With --by only: the breakdown, labelled like the protocol metrics plus port and/or host. */
export const BREAKDOWN_BYTES_METRIC = 'sockex_breakdown_bytes_total';
export const BREAKDOWN_PACKETS_METRIC = 'sockex_breakdown_packets_total';

const LABELS = ['device', 'direction', 'family', 'protocol'] as const;
type Label = (typeof LABELS)[number];

const directionLabels: Record<Direction, string> = { tx: 'transmit', rx: 'receive' };

export interface PrometheusOptions {
  /** The sockex version, for sockex_build_info. */
  version: string;
  /** Add prom-client's process and Node.js metrics (default true; off in unit tests, whose output they would make vary). */
  processMetrics?: boolean;
  /** --by: export the breakdown too, with these labels (never by default). */
  by?: readonly BreakdownBy[];
  /** Port/host series each device may export (the rest are summed into "other"). */
  seriesPerDevice?: number;
}

export interface PrometheusRenderer extends Renderer {
  /** The exposition text of the latest snapshot. */
  metrics(): Promise<string>;
  /** The Content-Type to serve metrics() with. */
  readonly contentType: string;
}

/**
 * The protocol label: the IANA keyword (tcp, udp, icmp, ipv6-icmp, arp), or
 * the number where no table names it (IP protocols in decimal, EtherTypes in
 * hex as they are written: 0x88b5).
 */
export function protocolLabel(family: Family, protocol: number): string {
  const name = protocolName(family, protocol);
  if (name.named) return name.keyword;
  return family === 'other' ? `0x${protocol.toString(16).padStart(4, '0')}` : String(protocol);
}

export function metricLabels(c: CounterSnapshot): Record<Label, string> {
  return {
    device: c.interface,
    direction: directionLabels[c.direction],
    family: c.family,
    protocol: protocolLabel(c.family, c.protocol),
  };
}

export function createPrometheusRenderer(options: PrometheusOptions): PrometheusRenderer {
  const registry = new Registry();
  let latest: Snapshot | undefined;

  // Counters are rebuilt from the latest snapshot at every scrape: the
  // snapshot holds cumulative counts, and reset + inc is how prom-client sets one.
  const fill = (metric: Counter<Label>, field: 'bytes' | 'packets'): void => {
    metric.reset();
    for (const c of latest?.counters ?? []) metric.inc(metricLabels(c), Number(c[field]));
  };
  new Counter<Label>({
    name: BYTES_METRIC,
    help: 'Bytes of the frames seen (skb->len: link-layer header included), cumulative since sockex attached its filter.',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      fill(this, 'bytes');
    },
  });
  new Counter<Label>({
    name: PACKETS_METRIC,
    help: 'Frames seen, cumulative since sockex attached its filter.',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      fill(this, 'packets');
    },
  });
  const buildInfo = new Gauge<'version'>({
    name: BUILD_INFO_METRIC,
    help: 'Always 1; the version label says which sockex is running.',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.set({ version: options.version }, 1);
  const breakdown = options.by && options.by.length > 0 ? breakdownMetrics(registry, options.by, new SeriesBound(options.seriesPerDevice)) : undefined;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    render(snapshot) {
      latest = snapshot;
      breakdown?.render(snapshot.breakdown?.counters ?? []);
    },
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    close() {
      latest = undefined;
    },
  };
}

type BreakdownLabel = Label | BreakdownBy;

function breakdownLabels(c: BreakdownCounter): Partial<Record<BreakdownLabel, string>> {
  return {
    ...metricLabels(c),
    ...(c.port === undefined ? {} : { port: String(c.port) }),
    ...(c.host === undefined ? {} : { host: c.host }),
  };
}

/** sockex_breakdown_{bytes,packets}_total, bounded per device (see breakdown-series.ts). */
function breakdownMetrics(registry: Registry, by: readonly BreakdownBy[], bound: SeriesBound): { render(counters: readonly BreakdownCounter[]): void } {
  let series: ReturnType<SeriesBound['fold']> = [];
  const labelNames: BreakdownLabel[] = [...LABELS, ...by];
  const fill = (metric: Counter<BreakdownLabel>, field: 'bytes' | 'packets'): void => {
    metric.reset();
    for (const s of series) metric.inc(breakdownLabels(s.key), Number(s[field]));
  };
  new Counter<BreakdownLabel>({
    name: BREAKDOWN_BYTES_METRIC,
    help: `Bytes of IP frames by ${by.map((b) => (b === 'port' ? 'service port (the lower of the two)' : 'host (the other end)')).join(' and ')}; a bounded number of series per device, the rest as "other".`,
    labelNames,
    registers: [registry],
    collect() {
      fill(this, 'bytes');
    },
  });
  new Counter<BreakdownLabel>({
    name: BREAKDOWN_PACKETS_METRIC,
    help: `Frames of IP protocols by ${by.join(' and ')}, bounded like ${BREAKDOWN_BYTES_METRIC}.`,
    labelNames,
    registers: [registry],
    collect() {
      fill(this, 'packets');
    },
  });
  return {
    render(counters) {
      series = bound.fold(counters);
    },
  };
}
