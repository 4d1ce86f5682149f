/**
 * The kernel sample's output, character for character:
 *   TCP 0 UDP 0 ICMP 196 bytes
 * Cumulative bytes sent (tx) since attach; TCP and UDP over IPv4 and IPv6
 * together, ICMP is IPv4's ICMP (protocol 1) as in the sample. With several
 * interfaces, one line each, prefixed with the interface name. With -i any,
 * one line for all of them together (the per-interface breakdown is in the
 * JSON, the dashboard and the metrics).
 */
import { ANY_INTERFACE } from '../model/counters.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import { printable } from '../errors.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;

function sampleLineTotals(counters: readonly CounterSnapshot[], iface: string): { tcp: bigint; udp: bigint; icmp: bigint } {
  let tcp = 0n;
  let udp = 0n;
  let icmp = 0n;
  for (const c of counters) {
    if ((iface !== ANY_INTERFACE && c.interface !== iface) || c.direction !== 'tx' || c.family === 'other') continue;
    if (c.protocol === TCP) tcp += c.bytes;
    else if (c.protocol === UDP) udp += c.bytes;
    else if (c.protocol === ICMP && c.family === 'ipv4') icmp += c.bytes;
  }
  return { tcp, udp, icmp };
}

export function renderLines(snapshot: Snapshot): string {
  const several = snapshot.interfaces.length > 1;
  return snapshot.interfaces
    .map((iface) => {
      const { tcp, udp, icmp } = sampleLineTotals(snapshot.counters, iface);
      return `${several ? `${printable(iface)}: ` : ''}TCP ${tcp} UDP ${udp} ICMP ${icmp} bytes\n`;
    })
    .join('');
}
