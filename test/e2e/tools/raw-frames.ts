/**
 * Test traffic: COUNT Ethernet frames of SIZE bytes with a given EtherType,
 * sent with an AF_PACKET socket on an interface (no IP stack involved).
 * Usage: node raw-frames.js IFACE ETHERTYPE COUNT SIZE [HEX]
 * ETHERTYPE may be a range, FIRST-LAST: COUNT frames of each.
 * HEX: the bytes right after the EtherType (e.g. VLAN tags and an IP
 * header); the rest of the frame is filler.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AF_PACKET, SOCK_RAW } from '../../../src/kernel/libbpf/socket-constants.js';

const require = createRequire(import.meta.url);
const koffi = require('koffi') as typeof import('koffi');
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int, int, int)');
const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)');
const close = libc.func('int close(int)');

const [iface = 'lo', ethertypeText = '0x88b5', countText = '1', sizeText = '60', hex = ''] = process.argv.slice(2);
const [first = NaN, last = first] = ethertypeText.split('-').map(Number);
const count = Number(countText);
const size = Number(sizeText);
const ifindex = Number(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8'));

const fd = socket(AF_PACKET, SOCK_RAW, 0);
if (fd < 0) throw new Error(`socket failed: errno ${koffi.errno()}`);
const frame = Buffer.alloc(size, 0x63);
frame.fill(0xff, 0, 6); // broadcast destination
frame.set([0x02, 0, 0, 0, 0, 1], 6); // locally administered source
Buffer.from(hex, 'hex').copy(frame, 14);
const addr = Buffer.alloc(20);
addr.writeUInt16LE(AF_PACKET, 0);
addr.writeInt32LE(ifindex, 4);
for (let ethertype = first; ethertype <= last; ethertype++) {
  frame.writeUInt16BE(ethertype, 12);
  addr.writeUInt16BE(ethertype, 2);
  for (let i = 0; i < count; i++) {
    if (Number(sendto(fd, frame, size, 0, addr, 20)) !== size) throw new Error(`sendto failed: errno ${koffi.errno()}`);
  }
}
close(fd);
const frames = count * (last - first + 1);
console.log(JSON.stringify({ frames, bytes: frames * size }));
