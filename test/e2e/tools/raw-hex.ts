/**
 * Test traffic: one exact frame (given in hex, Ethernet header included),
 * sent COUNT times with an AF_PACKET socket on an interface. The socket's
 * protocol is the frame's EtherType field, as a real sender's would be.
 * Usage: node raw-hex.js IFACE HEX COUNT
 * Prints {"sent": n, "length": bytes handed to sendto}.
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

if (process.argv.length < 5) {
  // Also reached when a test runner loads this file by itself: send nothing.
  console.log('usage: node raw-hex.js IFACE HEX COUNT');
  process.exit(0);
}
const [iface = 'lo', hex = '', countText = '1'] = process.argv.slice(2);
const frame = Buffer.from(hex, 'hex');
const count = Number(countText);
const ifindex = Number(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8'));
const ethertype = frame.length >= 14 ? frame.readUInt16BE(12) : 0;

const fd = socket(AF_PACKET, SOCK_RAW, 0);
if (fd < 0) throw new Error(`socket failed: errno ${koffi.errno()}`);
const addr = Buffer.alloc(20);
addr.writeUInt16LE(AF_PACKET, 0);
addr.writeUInt16BE(ethertype, 2);
addr.writeInt32LE(ifindex, 4);
let sent = 0;
for (let i = 0; i < count; i++) {
  const n = Number(sendto(fd, frame, frame.length, 0, addr, 20));
  if (n < 0) {
    console.log(JSON.stringify({ sent, length: frame.length, errno: koffi.errno() }));
    process.exit(0);
  }
  sent += 1;
}
close(fd);
console.log(JSON.stringify({ sent, length: frame.length }));
