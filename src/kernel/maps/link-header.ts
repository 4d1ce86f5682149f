/**
 * How long an interface's link header is, as the filter sees it: a packet
 * socket's skb->data points at the link header on devices that have one and
 * at the network header on those that have none, and the filter reads packet
 * bytes relative to skb->data (bpf/parse.h). The length comes from the
 * interface's ARPHRD type, as rtnetlink reports it in sockex's own network
 * namespace.
 */
import { LAYOUT } from './layout.js';
import type { Link as RouteLink } from '../links/index.js';

/** What the filter does for a link type not in the table: reads relative to the network header, linear data only. */
export const LINK_UNKNOWN = LAYOUT.SOCKEX_LINK_UNKNOWN;

/** ARPHRD_* values (linux/if_arp.h) whose link header sockex knows. */
export const ARPHRD = {
  ETHER: 1,
  LOOPBACK: 772,
  NONE: 0xfffe,
  TUNNEL: 768,
  TUNNEL6: 769,
  SIT: 776,
  PPP: 512,
  RAWIP: 519,
} as const;

const ETH_HLEN = 14;

const LENGTHS = new Map<number, number>([
  // Ethernet (veth, tap, bridges, bonds, macvlan, VLAN devices) and loopback.
  [ARPHRD.ETHER, ETH_HLEN],
  [ARPHRD.LOOPBACK, ETH_HLEN],
  // No link header: tun, WireGuard; IPIP, IPv6-in-IPv6 and SIT tunnels; PPP (its
  // header is added after the tap on transmit and removed before it on receive);
  // raw-IP modems.
  [ARPHRD.NONE, 0],
  [ARPHRD.TUNNEL, 0],
  [ARPHRD.TUNNEL6, 0],
  [ARPHRD.SIT, 0],
  [ARPHRD.PPP, 0],
  [ARPHRD.RAWIP, 0],
  // Not here on purpose: GRE (778) and ip6gre (823) devices without a fixed
  // remote build an outer IP + GRE header as their link header, whose length
  // depends on the tunnel's options, so they take the fallback.
]);

/** The link-header length the filter assumes for an ARPHRD type (LINK_UNKNOWN: the fallback read). */
export function linkHeaderLength(arphrdType: number): number {
  return LENGTHS.get(arphrdType) ?? LINK_UNKNOWN;
}

/** What the table needs of a link (rtnetlink's Link has more). */
export type Link = Pick<RouteLink, 'ifindex' | 'type'>;
