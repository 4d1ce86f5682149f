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
import { ANY_INTERFACE, type Direction, type Family } from '../model/counters.js';
import { protocolName } from '../model/protocols.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import type { Renderer } from './renderer.js';

export const BYTES_METRIC = 'sockex_bytes_total';
export const PACKETS_METRIC = 'sockex_packets_total';
export const BUILD_INFO_METRIC = 'sockex_build_info';

const LABELS = ['device', 'direction', 'family', 'protocol'] as const;
type Label = (typeof LABELS)[number];

const directionLabels: Record<Direction, string> = { tx: 'transmit', rx: 'receive' };

export interface PrometheusOptions {
  /** The sockex version, for sockex_build_info. */
  version: string;
  /** Add prom-client's process and Node.js metrics (default true; off in unit tests, whose output they would make vary). */
  processMetrics?: boolean;
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

/**
 * Series that exist at 0 for every counted interface and direction from the
 * first scrape, so rate() and increase() see the first packets of the common
 * protocols (a series that appears with its first count loses that count).
 */
export const ZERO_SERIES: readonly { family: Family; protocol: number }[] = [

  { family: 'ipv4', protocol: 1 },
  { family: 'ipv4', protocol: 6 },
  { family: 'ipv4', protocol: 17 },
];

/**
 * The event-loop-lag histogram's sampling period. prom-client's default (10
 * ms) wakes an idle process 100 times a second, dearer than sockex's own
 * work; at 1 s the histogram still shows stalls, one sample a second.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

/** One series of both metrics: its labels and the counts of every counter with those labels. */
interface Row {
  readonly order: number;
  readonly labels: Record<Label, string>;
  bytes: number;
  packets: number;
}

type Series = Awaited<ReturnType<Counter<Label>['get']>>['values'];

/**
 * A counter metric whose values come from the latest snapshot when scraped,
 * not from inc() calls: a sample costs nothing here, a scrape one pass over
 * the snapshot's counters.
 */
class SnapshotCounter extends Counter<Label> {
  private readonly series: () => Series;

  constructor(name: string, help: string, registry: Registry, series: () => Series) {
    super({ name, help, labelNames: LABELS, registers: [registry] });
    this.series = series;
  }

  override async get(): ReturnType<Counter<Label>['get']> {
    return { ...(await super.get()), values: this.series() };
  }
}

const familyOrder: Record<Family, number> = { ipv4: 0, ipv6: 1, other: 2 };
const directionOrder: Record<Direction, number> = { tx: 0, rx: 1 };
/** Protocol numbers stay below this (EtherTypes and the overflow protocol, 0x10000). */
const PROTOCOL_RANGE = 0x2_0000;

function seriesOrder(direction: Direction, family: Family, protocol: number): number {
  return (directionOrder[direction] * 3 + familyOrder[family]) * PROTOCOL_RANGE + protocol;
}

/**
 * The series of a snapshot: one per device, direction, family and protocol
 * (counters of two interfaces that had the same name add up), with the zero
 * series merged in; devices in the snapshot's order, then the interfaces
 * sockex was asked to count that have no counter yet, each device's series
 * in the counters' order.
 */
function seriesRows(snapshot: Snapshot): Row[] {
  const devices = new Map<string, Map<number, Row>>();
  for (const c of snapshot.counters) {
    let rows = devices.get(c.interface);
    if (!rows) devices.set(c.interface, (rows = new Map()));
    const order = seriesOrder(c.direction, c.family, c.protocol);
    let row = rows.get(order);
    if (!row) rows.set(order, (row = { order, labels: metricLabels(c), bytes: 0, packets: 0 }));
    row.bytes += Number(c.bytes);
    row.packets += Number(c.packets);
  }
  for (const name of snapshot.interfaces) if (!devices.has(name)) devices.set(name, new Map());
  const out: Row[] = [];
  for (const [device, rows] of devices) {
    // "any" holds only what no interface could be charged with: no protocol to expect there.
    if (device === ANY_INTERFACE) out.push(...rows.values());
    else mergeZeroSeries(device, rows, out);
  }
  return out;
}

/** The device's rows with its missing zero series merged in, in series order, appended to out. */
function mergeZeroSeries(device: string, rows: Map<number, Row>, out: Row[]): void {
  const zeros: Row[] = [];
  for (const direction of ['tx', 'rx'] as const) {
    for (const { family, protocol } of ZERO_SERIES) {
      const order = seriesOrder(direction, family, protocol);
      if (rows.has(order)) continue;
      const labels = { device, direction: directionLabels[direction], family, protocol: protocolLabel(family, protocol) };
      zeros.push({ order, labels, bytes: 0, packets: 0 });
    }
  }
  let next = 0;
  for (const row of rows.values()) {
    while (next < zeros.length && zeros[next]!.order < row.order) out.push(zeros[next++]!);
    out.push(row);
  }
  out.push(...zeros.slice(next));
}

export function createPrometheusRenderer(options: PrometheusOptions): PrometheusRenderer {
  const registry = new Registry();
  let latest: Snapshot | undefined;
  // Rebuilt only when a scrape finds a new counters array (the sampler keeps it while nothing changed).
  let rowsOf: readonly CounterSnapshot[] | undefined;
  let rows: Row[] = [];
  const currentRows = (): Row[] => {
    if (latest === undefined) return [];
    if (latest.counters !== rowsOf) {
      rows = seriesRows(latest);
      rowsOf = latest.counters;
    }
    return rows;
  };
  new SnapshotCounter(
    BYTES_METRIC,
    'Bytes of the frames seen (skb->len: link-layer header included), cumulative since sockex attached its filter.',
    registry,
    () => currentRows().map((row) => ({ labels: row.labels, value: row.bytes })),
  );
  new SnapshotCounter(PACKETS_METRIC, 'Frames seen, cumulative since sockex attached its filter.', registry, () =>
    currentRows().map((row) => ({ labels: row.labels, value: row.packets })),
  );
  const buildInfo = new Gauge<'version'>({
    name: BUILD_INFO_METRIC,
    help: 'Always 1; the version label says which sockex is running.',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.set({ version: options.version }, 1);
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  }

  return {
    render(snapshot) {
      latest = snapshot;
    },
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    close() {
      latest = undefined;
      rowsOf = undefined;
      rows = [];
    },
  };
}
