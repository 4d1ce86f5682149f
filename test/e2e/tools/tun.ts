/**
 * Test device: creates a tun interface (IFF_TUN, no link-layer header) and
 * holds it open, so it has carrier and the kernel transmits into it, until
 * the process is signalled. Prints "ready" once the device exists.
 * Usage: node tun.js NAME
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const koffi = require('koffi') as typeof import('koffi');
const libc = koffi.load('libc.so.6');
const open = libc.func('int open(const char *path, int flags)');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, void *arg)');

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const O_RDWR = 2;

const name = process.argv[2] ?? 'tun0';
const fd = open('/dev/net/tun', O_RDWR);
if (fd < 0) throw new Error(`open /dev/net/tun failed: errno ${koffi.errno()}`);
const ifreq = Buffer.alloc(40);
ifreq.write(name, 0, 15, 'ascii');
ifreq.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
if (ioctl(fd, TUNSETIFF, ifreq) < 0) throw new Error(`TUNSETIFF failed: errno ${koffi.errno()}`);
console.log('ready');
// Hold the fd (and so the carrier) until told to stop.
setInterval(() => undefined, 1 << 30);
