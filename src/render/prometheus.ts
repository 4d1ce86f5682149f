/**
 * Snapshots as Prometheus metrics, in node_exporter's vocabulary:
 *   sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 1476
 * plus sockex_build_info and (optionally) prom-client's default process
 * metrics. Values are those of the latest snapshot handed to render(), so a
 * scrape costs no kernel read and sees exactly what the other outputs saw.
 *
 * Counts are BigInt; the text format writes float64s. Up to 2^53
 * (9 PB, or 9 quadrillion packets) the conversion is exact; past it each count
 * is rounded to the nearest float64, which is what Prometheus stores anyway, so
 * nothing it could have kept is lost, and rounding never makes a counter go
 * backwards.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakdownBy, BreakdownCounter } from '../model/breakdown.js';
import { ANY_INTERFACE, counterKeyNumber, type Direction, type Family } from '../model/counters.js';
import { protocolName } from '../model/protocols.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import { SeriesBound } from './breakdown-series.js';
import type { Renderer } from './renderer.js';

const BYTES_METRIC = 'sockex_bytes_total';
const PACKETS_METRIC = 'sockex_packets_total';
const BUILD_INFO_METRIC = 'sockex_build_info';
/** With --by only: the breakdown, labelled like the protocol metrics plus port and/or host. */
const BREAKDOWN_BYTES_METRIC = 'sockex_breakdown_bytes_total';
const BREAKDOWN_PACKETS_METRIC = 'sockex_breakdown_packets_total';

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
  /**
   * The exposition text of the latest snapshot as pieces of about
   * PIECE_LENGTH characters, to be written one after another: with thousands
   * of interfaces the text is megabytes, and one string of it (then a Buffer
   * of it) would be made at every scrape.
   */
  exposition(): Promise<string[]>;
  /** The same text in one string. */
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

/**
 * Series that exist at 0 for every counted interface and direction from the
 * first scrape, so rate() and increase() see the first packets of the common
 * protocols (a series that appears with its first count loses that count).
 */
const ZERO_SERIES: readonly { family: Family; protocol: number }[] = [
  { family: 'ipv4', protocol: 1 },
  { family: 'ipv4', protocol: 6 },
  { family: 'ipv4', protocol: 17 },
];

/**
 * The event-loop-lag histogram's sampling period. prom-client's default (10
 * ms) wakes an idle process 100 times a second, dearer than sockex's own
 * work; at 1 s the histogram still shows stalls, one sample a second.
 */
const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

const HELP: Record<typeof BYTES_METRIC | typeof PACKETS_METRIC, string> = {
  [BYTES_METRIC]: 'Bytes of the frames seen (skb->len: link-layer header included), cumulative since sockex attached its filter.',
  [PACKETS_METRIC]: 'Frames seen, cumulative since sockex attached its filter.',
};

/** One series of both metrics: its label text and the counts of every counter with those labels. */
interface Row {
  readonly order: number;
  /** {device="lo",direction="transmit",family="ipv4",protocol="udp"} */
  readonly labels: string;
  bytes: number;
  packets: number;
}

/** Series are per device name: counters of two interfaces with one name share a row, so the ifindex is left out. */
function seriesOrder(direction: Direction, family: Family, protocol: number): number {
  return counterKeyNumber(0, direction, family, protocol);
}

const LABELS = ['device', 'direction', 'family', 'protocol'] as const;
type Label = (typeof LABELS)[number];

/** A protocol counter's labels, as the breakdown metrics carry them too. */
function metricLabels(c: Pick<CounterSnapshot, 'interface' | 'direction' | 'family' | 'protocol'>): Record<Label, string> {
  return { device: c.interface, direction: directionLabels[c.direction], family: c.family, protocol: protocolLabel(c.family, c.protocol) };
}

/** A label value as the text format writes it (backslash, newline and double quote escaped). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function row(device: string, direction: Direction, family: Family, protocol: number): Row {
  const labels =
    `{device="${escapeLabelValue(device)}",direction="${directionLabels[direction]}",` +
    `family="${family}",protocol="${escapeLabelValue(protocolLabel(family, protocol))}"}`;
  return { order: seriesOrder(direction, family, protocol), labels, bytes: 0, packets: 0 };
}

/**
 * One device's series: a row per direction, family and protocol (counters
 * of two interfaces that had the same name add up), in the counters' order,
 * with the zero series merged in ("any", which holds only what no interface
 * could be charged with, has none).
 */
function deviceRows(device: string, counters: readonly CounterSnapshot[]): Row[] {
  const rows = new Map<number, Row>();
  for (const c of counters) {
    const order = seriesOrder(c.direction, c.family, c.protocol);
    let r = rows.get(order);
    if (!r) rows.set(order, (r = row(device, c.direction, c.family, c.protocol)));
    r.bytes += Number(c.bytes);
    r.packets += Number(c.packets);
  }
  if (device === ANY_INTERFACE) return [...rows.values()];
  const zeros: Row[] = [];
  for (const direction of ['tx', 'rx'] as const) {
    for (const { family, protocol } of ZERO_SERIES) {
      if (!rows.has(seriesOrder(direction, family, protocol))) zeros.push(row(device, direction, family, protocol));
    }
  }
  const out: Row[] = [];
  let next = 0;
  for (const r of rows.values()) {
    while (next < zeros.length && zeros[next]!.order < r.order) out.push(zeros[next++]!);
    out.push(r);
  }
  return out.concat(zeros.slice(next));
}

/** One device's sample lines of both metrics, and the counters they were made from. */
interface DeviceText {
  readonly counters: readonly CounterSnapshot[];
  readonly bytes: string;
  readonly packets: string;
}

function deviceText(device: string, counters: readonly CounterSnapshot[]): DeviceText {
  const rows = deviceRows(device, counters);
  return {
    counters,
    bytes: rows.map((r) => `${BYTES_METRIC}${r.labels} ${r.bytes}`).join('\n'),
    packets: rows.map((r) => `${PACKETS_METRIC}${r.labels} ${r.packets}`).join('\n'),
  };
}

function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The sample lines of both metrics, device by device: devices in the
 * snapshot's order, then the interfaces sockex was asked to count that have
 * no counter yet. A device whose counters are the same objects as at the
 * last scrape (the sampler keeps those that did not change) keeps its text,
 * so a scrape remakes only the devices that saw traffic.
 */
class SeriesText {
  private devices = new Map<string, DeviceText>();
  /** The last answer, and the counters array it was made from (the sampler keeps it while nothing changed). */
  private last: { counters: readonly CounterSnapshot[]; bytes: string[]; packets: string[] } | undefined;

  of(snapshot: Snapshot): { bytes: readonly string[]; packets: readonly string[] } {
    if (this.last?.counters === snapshot.counters) return this.last;
    const groups = new Map<string, CounterSnapshot[]>();
    for (const c of snapshot.counters) {
      const group = groups.get(c.interface);
      if (group) group.push(c);
      else groups.set(c.interface, [c]);
    }
    for (const name of snapshot.interfaces) if (!groups.has(name)) groups.set(name, []);
    // Only the devices of this snapshot are kept: interfaces that came and went are forgotten.
    const devices = new Map<string, DeviceText>();
    const bytes: string[] = [];
    const packets: string[] = [];
    for (const [device, counters] of groups) {
      let text = this.devices.get(device);
      if (!text || !sameObjects(text.counters, counters)) text = deviceText(device, counters);
      devices.set(device, text);
      if (text.bytes === '') continue;
      bytes.push(text.bytes);
      packets.push(text.packets);
    }
    this.devices = devices;
    this.last = { counters: snapshot.counters, bytes, packets };
    return this.last;
  }
}

/** Characters per piece of the exposition: large enough for few writes, small enough to stay out of the way. */
export const PIECE_LENGTH = 64 * 1024;

/** Strings gathered into pieces of about PIECE_LENGTH characters. */
class Pieces {
  readonly done: string[] = [];
  private current = '';

  add(text: string): void {
    this.current += text;
    if (this.current.length >= PIECE_LENGTH) {
      this.done.push(this.current);
      this.current = '';
    }
  }

  end(): string[] {
    if (this.current !== '') this.done.push(this.current);
    this.current = '';
    return this.done;
  }
}

/** One metric family in the text format, as prom-client writes it (no trailing newline): its device texts one per line group. */
function addFamily(out: Pieces, name: typeof BYTES_METRIC | typeof PACKETS_METRIC, devices: readonly string[]): void {
  out.add(`# HELP ${name} ${HELP[name]}\n# TYPE ${name} counter`);
  for (const text of devices) {
    out.add('\n');
    out.add(text);
  }
}

/**
 * sockex's two counter families are written here, the rest (build info,
 * process metrics) by prom-client's registry: prom-client escapes every label
 * of every series again at each scrape (about 100 ms for 32,000 series on the
 * bench machine), and sets a counter only through inc().
 */
export function createPrometheusRenderer(options: PrometheusOptions): PrometheusRenderer {
  const registry = new Registry();
  let latest: Snapshot | undefined;
  let series = new SeriesText();
  // The registry's text joins families with a blank line and ends with a newline.
  const exposition = async (): Promise<string[]> => {
    const lines = latest ? series.of(latest) : { bytes: [], packets: [] };
    const out = new Pieces();
    addFamily(out, BYTES_METRIC, lines.bytes);
    out.add('\n\n');
    addFamily(out, PACKETS_METRIC, lines.packets);
    out.add('\n\n');
    out.add(await registry.metrics());
    return out.end();
  };
  const buildInfo = new Gauge<'version'>({
    name: BUILD_INFO_METRIC,
    help: 'Always 1; the version label says which sockex is running.',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.set({ version: options.version }, 1);
  const breakdown = options.by && options.by.length > 0 ? breakdownMetrics(registry, options.by, new SeriesBound(options.seriesPerDevice)) : undefined;
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  }

  return {
    render(snapshot) {
      latest = snapshot;
      breakdown?.render(snapshot.breakdown?.counters ?? []);
    },
    exposition,
    metrics: async () => (await exposition()).join(''),
    contentType: registry.contentType,
    close() {
      latest = undefined;
      series = new SeriesText();
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
