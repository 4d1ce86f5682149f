/**
 * Frames for the filter tests: the header sizes that the expected counts are
 * made of, and crafted frames (an Ethernet header, minimal IPv4 and IPv6
 * headers).
 */

export const ETH_HLEN = 14;
export const IPV4_HLEN = 20;
export const IPV6_HLEN = 40;
export const UDP_HLEN = 8;
export const ICMP_ECHO_HLEN = 8;
/** What ping sends in an echo request unless told otherwise. */
export const PING_PAYLOAD = 56;

/** The bytes sockex counts for one UDP datagram (skb->len: the Ethernet header included). */
export const udp4Frame = (payload: number): number => ETH_HLEN + IPV4_HLEN + UDP_HLEN + payload;
export const udp6Frame = (payload: number): number => ETH_HLEN + IPV6_HLEN + UDP_HLEN + payload;
/** One echo request or reply of a plain `ping -4`: 98 bytes. */
export const PING4_FRAME = ETH_HLEN + IPV4_HLEN + ICMP_ECHO_HLEN + PING_PAYLOAD;
/** The same over IPv6: 118 bytes. */
export const PING6_FRAME = ETH_HLEN + IPV6_HLEN + ICMP_ECHO_HLEN + PING_PAYLOAD;

/** Broadcast Ethernet header (the kernel marks it PACKET_BROADCAST: rx) + EtherType + payload. */
export function ether(ethertype: number, payload: Buffer | number[]): Buffer {
  const head = Buffer.alloc(ETH_HLEN);
  head.fill(0xff, 0, 6);
  head.set([0x02, 0, 0, 0, 0, 0x01], 6);
  head.writeUInt16BE(ethertype, 12);
  return Buffer.concat([head, Buffer.from(payload)]);
}

/** An IPv4 header carrying `protocol`, then `payload` bytes; ihl and version can be made wrong on purpose. */
export function ipv4(protocol: number, { ihl = 5, version = 4, payload = 8 } = {}): Buffer {
  const h = Buffer.alloc(IPV4_HLEN + payload);
  h[0] = (version << 4) | ihl;
  h.writeUInt16BE(h.length, 2);
  h[8] = 64;
  h[9] = protocol;
  return h;
}

/** An IPv6 header with `nextHeader`, then `rest` (its payload length says so). */
export function ipv6(nextHeader: number, rest: Buffer = Buffer.alloc(8)): Buffer {
  const h = Buffer.alloc(IPV6_HLEN);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = nextHeader;
  h[7] = 64;
  return Buffer.concat([h, rest]);
}

/** An IPv6 fragment header: next header, the fragment offset in 8-byte units, more fragments. */
export function fragmentHeader(nextHeader: number, offset: number, more = true): Buffer {
  const h = Buffer.alloc(8);
  h[0] = nextHeader;
  h.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
  h.writeUInt32BE(0x5eed, 4);
  return h;
}

/** An extension header of 8 bytes (hop-by-hop, routing, destination options) naming nextHeader. */
function extension(nextHeader: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = nextHeader;
  return h;
}

/**
 * IPv6 packets at the edges of the extension chain (docs/counting.md), each
 * with the protocol it is counted under. The same packets go through
 * test-run (malformed-frames, any-parity) and over a veth (ipv6-edges).
 */
export const IPV6_EDGES: readonly { what: string; packet: Buffer; protocol: number }[] = [
  // A later fragment's payload is not headers, even when it looks like them.
  { what: 'a later fragment naming destination options', packet: ipv6(44, Buffer.concat([fragmentHeader(60, 10), extension(6), Buffer.alloc(20)])), protocol: 60 },
  { what: 'a later fragment of UDP', packet: ipv6(44, Buffer.concat([fragmentHeader(17, 185, false), Buffer.alloc(16)])), protocol: 17 },
  { what: 'a first fragment naming destination options, then TCP', packet: ipv6(44, Buffer.concat([fragmentHeader(60, 0), extension(6), Buffer.alloc(20)])), protocol: 6 },
  // Cut short: counted under the extension header, not the one it names.
  { what: 'destination options cut to 2 bytes [17, 0]', packet: ipv6(60, Buffer.from([17, 0])), protocol: 60 },
  { what: 'hop-by-hop claiming 2 KB in a 72-byte frame', packet: ipv6(0, Buffer.concat([Buffer.from([17, 255]), Buffer.alloc(16)])), protocol: 0 },
  { what: 'a fragment header cut to 4 bytes', packet: ipv6(44, Buffer.from([17, 0, 0, 0])), protocol: 44 },
  // Whole, up to the end of the frame: followed.
  { what: 'destination options ending with the frame', packet: ipv6(60, extension(17)), protocol: 17 },
];
