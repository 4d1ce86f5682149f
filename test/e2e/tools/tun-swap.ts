/**
 * Measurement traffic for an ifindex taken over at once: for each round, a
 * tun "ra<round>" made at ifindex BASE+round gets 5 datagrams of 128 bytes,
 * is closed (the kernel deletes it), and a tun "rb<round>" is made at once
 * with the same ifindex and gets datagrams of 128+i bytes for a few
 * milliseconds, each write's time (µs since the close) recorded.
 * Usage: node tun-swap.js ROUNDS BASE
 * Prints one JSON line per round: {"index": N, "times": [µs, ...]}.
 */
import { koffi, libc, openTun } from './tun-device.js';

const write = libc.func('long write(int fd, const void *buf, size_t count)');
const close = libc.func('int close(int fd)');
const socket = libc.func('int socket(int, int, int)');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, void *arg)');
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;

const rounds = Number(process.argv[2] ?? 0);
const base = Number(process.argv[3] ?? 700);
const control = socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);

function up(name: string): void {
  const ifreq = Buffer.alloc(40);
  ifreq.write(name, 0, 15, 'ascii');
  ifreq.writeUInt16LE(IFF_UP, 16);
  if (ioctl(control, SIOCSIFFLAGS, ifreq) < 0) throw new Error(`SIOCSIFFLAGS ${name} failed: errno ${koffi.errno()}`);
}

/** An IPv4/UDP datagram of `length` bytes (addresses 0: the stack drops it after the taps). */
function datagram(length: number): Buffer {
  const packet = Buffer.alloc(length);
  packet[0] = 0x45;
  packet.writeUInt16BE(length, 2);
  packet[8] = 64;
  packet[9] = 17;
  return packet;
}

function send(fd: number, packet: Buffer): void {
  if (Number(write(fd, packet, packet.length)) !== packet.length) throw new Error(`write failed: errno ${koffi.errno()}`);
}

for (let round = 0; round < rounds; round++) {
  const index = base + round;
  const first = openTun(`ra${round}`, index);
  up(`ra${round}`);
  for (let i = 0; i < 5; i++) send(first, datagram(128));
  const closedAt = process.hrtime.bigint();
  close(first);
  const second = openTun(`rb${round}`, index);
  up(`rb${round}`);
  const times: number[] = [];
  for (let i = 0; i < 400; i++) {
    send(second, datagram(128 + i));
    times.push(Number(process.hrtime.bigint() - closedAt) / 1000);
  }
  // Left open: the exit closes it (and the kernel deletes it), its counters closed under its name.
  console.log(JSON.stringify({ index, times: times.map((t) => Math.round(t)) }));
}
