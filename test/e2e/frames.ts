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
