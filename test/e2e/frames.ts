/**
 * Crafted frames for the filter tests: an Ethernet header and minimal IPv4
 * and IPv6 headers.
 */

export const ETH_HLEN = 14;

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
  const h = Buffer.alloc(20 + payload);
  h[0] = (version << 4) | ihl;
  h.writeUInt16BE(h.length, 2);
  h[8] = 64;
  h[9] = protocol;
  return h;
}

/** An IPv6 header with `nextHeader`, then `rest` (its payload length says so). */
export function ipv6(nextHeader: number, rest: Buffer = Buffer.alloc(8)): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = nextHeader;
  h[7] = 64;
  return Buffer.concat([h, rest]);
}
