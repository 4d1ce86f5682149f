/**
 * Names for IP protocol numbers and EtherTypes, the way people know them.
 * A built-in table keeps the common names identical on every machine; the
 * system's /etc/protocols (IANA's list) names the rest.
 */
import { readFileSync } from 'node:fs';
import { OVERFLOW_PROTOCOL, type Family } from './counters.js';

export interface ProtocolName {
  /** Display name, IANA's spelling: TCP, IPv6-ICMP, ARP. */
  name: string;
  /** Lowercase keyword for labels: tcp, ipv6-icmp, arp. */
  keyword: string;
  /** False when no table knows the number and the name is made from it (IP-253, 0x88b5). */
  named: boolean;
}

const builtinIp: Record<number, string> = {
  0: 'HOPOPT',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPv4',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  43: 'IPv6-Route',
  44: 'IPv6-Frag',
  46: 'RSVP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'IPv6-ICMP',
  59: 'IPv6-NoNxt',
  60: 'IPv6-Opts',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  115: 'L2TP',
  132: 'SCTP',
  136: 'UDPLite',
  137: 'MPLS-in-IP',
  143: 'Ethernet',
  262: 'MPTCP',
};

const builtinEther: Record<number, string> = {
  0x0001: '802.3',
  0x0004: '802.2',
  0x0800: 'IPv4-malformed',
  0x0806: 'ARP',
  0x0842: 'WoL',
  0x22f0: 'AVTP',
  0x22f3: 'TRILL',
  0x6003: 'DECnet',
  0x8035: 'RARP',
  0x809b: 'AppleTalk',
  0x80f3: 'AARP',
  0x8100: 'VLAN',
  0x8137: 'IPX',
  0x86dd: 'IPv6-malformed',
  0x8808: 'EthernetFlowControl',
  0x8809: 'LACP',
  0x8847: 'MPLS',
  0x8848: 'MPLS-multicast',
  0x8863: 'PPPoE-Discovery',
  0x8864: 'PPPoE-Session',
  0x888e: 'EAPOL',
  0x8892: 'PROFINET',
  0x889a: 'HyperSCSI',
  0x88a2: 'AoE',
  0x88a4: 'EtherCAT',
  0x88a8: 'QinQ',
  0x88b8: 'GOOSE',
  0x88cc: 'LLDP',
  0x88e5: 'MACsec',
  0x88e7: 'PBB',
  0x88f7: 'PTP',
  0x88fb: 'PRP',
  0x8902: 'CFM',
  0x8906: 'FCoE',
  0x8914: 'FIP',
  0x892f: 'HSR',
  0x894f: 'NSH',
  0x9000: 'Loopback',
  [OVERFLOW_PROTOCOL]: 'other-overflow',
};

let systemIp: Map<number, string> | undefined;

/** Parse /etc/protocols: "keyword number Alias # comment", keeping the alias (IANA's name). */
export function parseProtocolsFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [keyword, number, alias] = line.split(/\s+/);
    const n = Number(number);
    if (keyword === undefined || !Number.isInteger(n) || n < 0 || n > 255 || names.has(n)) continue;
    names.set(n, alias ?? keyword);
  }
  return names;
}

function systemIpNames(): Map<number, string> {
  if (!systemIp) {
    try {
      systemIp = parseProtocolsFile(readFileSync('/etc/protocols', 'utf8'));
    } catch {
      systemIp = new Map();
    }
  }
  return systemIp;
}

export function protocolName(family: Family, protocol: number): ProtocolName {
  const known = family === 'other' ? builtinEther[protocol] : builtinIp[protocol] ?? systemIpNames().get(protocol);
  const name = known ?? (family === 'other' ? `0x${protocol.toString(16).padStart(4, '0')}` : `IP-${protocol}`);
  return { name, keyword: name.toLowerCase(), named: known !== undefined };
}
