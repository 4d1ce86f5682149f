/**
 * Test device: a persistent tun interface (IFF_TUN, no link-layer header)
 * made with a chosen ifindex (TUNSETIFINDEX), which `ip tuntap add` cannot
 * do; it stays after this exits, like one `ip tuntap add` made.
 * Usage: node tun-persist.js NAME IFINDEX
 */
import { koffi, libc, openTun } from './tun-device.js';

const setPersist = libc.func('int ioctl(int fd, unsigned long request, unsigned long value)');
const TUNSETPERSIST = 0x400454cb;

const [name, ifindex] = process.argv.slice(2);
if (name === undefined || ifindex === undefined) {
  // Also reached when a test runner loads this file by itself: make nothing.
  console.log('usage: node tun-persist.js NAME IFINDEX');
  process.exit(0);
}
const fd = openTun(name, Number(ifindex));
if (setPersist(fd, TUNSETPERSIST, 1) < 0) throw new Error(`TUNSETPERSIST failed: errno ${koffi.errno()}`);
console.log('made');
