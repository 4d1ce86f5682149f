/**
 * Test traffic: IP packets written into an existing tun device (IFF_TUN, no
 * link-layer header; e.g. made with `ip tuntap add mode tun`), so the kernel
 * receives them on it. Each HEX is one packet, IP header first, written COUNT
 * times.
 * Usage: node tun-write.js NAME HEX COUNT [HEX COUNT]...
 * Prints {"written": packets, "bytes": total}.
 */
import { koffi, libc, openTun } from './tun-device.js';

const write = libc.func('long write(int fd, const void *buf, size_t count)');
const close = libc.func('int close(int fd)');

const [name, ...pairs] = process.argv.slice(2);
if (name === undefined || pairs.length === 0 || pairs.length % 2 !== 0) {
  // Also reached when a test runner loads this file by itself: write nothing.
  console.log('usage: node tun-write.js NAME HEX COUNT [HEX COUNT]...');
  process.exit(0);
}
const fd = openTun(name);
let written = 0;
let bytes = 0;
for (let i = 0; i < pairs.length; i += 2) {
  const packet = Buffer.from(pairs[i]!, 'hex');
  for (let k = 0; k < Number(pairs[i + 1]); k++) {
    if (Number(write(fd, packet, packet.length)) !== packet.length) throw new Error(`write failed: errno ${koffi.errno()}`);
    written += 1;
    bytes += packet.length;
  }
}
close(fd);
console.log(JSON.stringify({ written, bytes }));
