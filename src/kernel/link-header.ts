/**
 * How long an interface's link header is, as the filter sees it: a packet
 * socket's skb->data points at the link header on devices that have one and
 * at the network header on those that have none, and the filter reads packet
 * bytes relative to skb->data (bpf/parse.h). The length comes from the
 * interface's ARPHRD type, asked in sockex's own network namespace.
 */
import { LAYOUT } from './layout.js';
import type { Native } from './native.js';

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

export interface Link {
  ifindex: number;
  /** ARPHRD type (dev->type). */
  type: number;
}

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCGIFHWADDR = 0x8927;
/** struct ifreq: 16-byte name, then the union (sa_family of ifr_hwaddr first). */
const IFREQ_SIZE = 40;
const IFREQ_HWADDR_FAMILY = 16;

/**
 * The ARPHRD type of each named interface (SIOCGIFHWADDR in our own network
 * namespace; /sys may show another), undefined for a name that is gone.
 */
export function linkTypes(native: Native, names: readonly string[]): (number | undefined)[] {
  const { libc } = native;
  const fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return names.map(() => undefined);
  try {
    return names.map((name) => {
      const ifreq = Buffer.alloc(IFREQ_SIZE);
      ifreq.write(name, 0, 15, 'latin1');
      return libc.ioctl(fd, SIOCGIFHWADDR, ifreq) < 0 ? undefined : ifreq.readUInt16LE(IFREQ_HWADDR_FAMILY);
    });
  } finally {
    libc.close(fd);
  }
}

/** The ARPHRD type of one interface, or undefined if it is not there. */
export function linkType(native: Native, name: string): number | undefined {
  return linkTypes(native, [name])[0];
}

/** Every interface of our network namespace: if_nameindex(), which asks the kernel over rtnetlink. */
export function presentInterfaces(native: Native): { ifindex: number; name: string }[] {
  const { koffi, libc } = native;
  const list = libc.ifNameIndex();
  if (!list) return [];
  try {
    const out: { ifindex: number; name: string }[] = [];
    for (let i = 0; ; i++) {
      const type = ifNameIndexType(native);
      const entry = koffi.decode(list, i * koffi.sizeof(type), type) as { index: number; name: string | null };
      if (entry.index === 0 || entry.name === null) break;
      out.push({ ifindex: entry.index, name: entry.name });
    }
    return out;
  } finally {
    libc.ifFreeNameIndex(list);
  }
}

type CType = ReturnType<Native['koffi']['struct']>;
let ifNameIndexStruct: CType | undefined;

/** struct if_nameindex: unsigned int if_index, char *if_name. */
function ifNameIndexType(native: Native): CType {
  ifNameIndexStruct ??= native.koffi.struct('sockex_if_nameindex', { index: 'uint32_t', name: 'char *' });
  return ifNameIndexStruct;
}
