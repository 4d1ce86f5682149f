/**
 * Opening a tun device (IFF_TUN: no link-layer header) through /dev/net/tun,
 * shared by the tools that hold one open (tun.ts) and write into one
 * (tun-write.ts). Creates it if it does not exist yet.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const koffi = require('koffi') as typeof import('koffi');
export const libc = koffi.load('libc.so.6');
const open = libc.func('int open(const char *path, int flags)');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, void *arg)');

const TUNSETIFF = 0x400454ca;
const TUNSETIFINDEX = 0x400454da;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const O_RDWR = 2;

/**
 * The fd of tun device NAME, attached with TUNSETIFF; throws with the errno on
 * failure. With an ifindex, one that does not exist yet is made with that index.
 */
export function openTun(name: string, ifindex?: number): number {
  const fd = open('/dev/net/tun', O_RDWR) as number;
  if (fd < 0) throw new Error(`open /dev/net/tun failed: errno ${koffi.errno()}`);
  if (ifindex !== undefined) {
    const index = Buffer.alloc(4);
    index.writeUInt32LE(ifindex);
    if (ioctl(fd, TUNSETIFINDEX, index) < 0) throw new Error(`TUNSETIFINDEX ${ifindex} failed: errno ${koffi.errno()}`);
  }
  const ifreq = Buffer.alloc(40);
  ifreq.write(name, 0, 15, 'ascii');
  ifreq.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
  if (ioctl(fd, TUNSETIFF, ifreq) < 0) throw new Error(`TUNSETIFF ${name} failed: errno ${koffi.errno()}`);
  return fd;
}
