/**
 * sockex's protocol families, in node_exporter's vocabulary:
 *   sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 1476
 * and sockex_packets_total beside it. A device's text is kept while its
 * counters are the same objects (the sampler keeps those that did not
 * change), so a scrape remakes only the devices that saw traffic.
 */
import { ANY_INTERFACE, counterKeyNumber, type Direction, type Family } from '../model/counters.js';
import { protocolName } from '../model/protocols.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import { escapeLabelValue, familyHeader, valueText, type Pieces } from './exposition.js';

const BYTES_METRIC = 'sockex_bytes_total';
const PACKETS_METRIC = 'sockex_packets_total';

export const directionLabels: Record<Direction, string> = { tx: 'transmit', rx: 'receive' };

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
export const ZERO_SERIES: readonly { family: Family; protocol: number }[] = [
  { family: 'ipv4', protocol: 1 },
  { family: 'ipv4', protocol: 6 },
  { family: 'ipv4', protocol: 17 },
];

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
    bytes: rows.map((r) => `${BYTES_METRIC}${r.labels} ${valueText(r.bytes)}`).join('\n'),
    packets: rows.map((r) => `${PACKETS_METRIC}${r.labels} ${valueText(r.packets)}`).join('\n'),
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
 * no counter yet.
 */
export class ProtocolSeries {
  private devices = new Map<string, DeviceText>();
  /** The last answer, and the counters array it was made from (the sampler keeps it while nothing changed). */
  private last: { counters: readonly CounterSnapshot[]; bytes: string[]; packets: string[] } | undefined;

  /** Both families of this snapshot (nothing before the first) added to out, each ending without a newline. */
  write(out: Pieces, snapshot: Snapshot | undefined): void {
    const lines = snapshot ? this.of(snapshot) : { bytes: [], packets: [] };
    addFamily(out, BYTES_METRIC, lines.bytes);
    out.add('\n\n');
    addFamily(out, PACKETS_METRIC, lines.packets);
  }

  private of(snapshot: Snapshot): { bytes: readonly string[]; packets: readonly string[] } {
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
    // forEach, not for...of: thousands of devices, and each [key, value] pair would be an allocation.
    groups.forEach((counters, device) => {
      let text = this.devices.get(device);
      if (!text || !sameObjects(text.counters, counters)) text = deviceText(device, counters);
      devices.set(device, text);
      if (text.bytes === '') return;
      bytes.push(text.bytes);
      packets.push(text.packets);
    });
    this.devices = devices;
    this.last = { counters: snapshot.counters, bytes, packets };
    return this.last;
  }
}

/** One family: its header, then its device texts one per line group. */
function addFamily(out: Pieces, name: typeof BYTES_METRIC | typeof PACKETS_METRIC, devices: readonly string[]): void {
  out.add(familyHeader(name, 'counter', HELP[name]));
  for (const text of devices) {
    out.add('\n');
    out.add(text);
  }
}
