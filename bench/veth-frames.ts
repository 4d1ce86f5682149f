/**
 * Traffic for the growth benchmark, run inside its namespace (ip netns exec):
 * one IPv4 frame per protocol sent from each end of veth pairs va<i>/vb<i>,
 * so each interface gets a tx and an rx counter per protocol. Broadcast
 * frames through an AF_PACKET socket: no addresses, no IP stack.
 *
 *   veth-frames.js FIRST_PAIR PAIRS PROTOCOL...
 * Prints {"frames":N}.
 */
import { createRequire } from 'node:module';
import { AF_PACKET, SOCK_RAW } from '../src/kernel/libbpf/socket-constants.js';
import { ETH_HLEN, ether, ipv4 } from '../test/e2e/frames.js';

const require = createRequire(import.meta.url);
const koffi = require('koffi') as typeof import('koffi');
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int, int, int)') as (domain: number, type: number, protocol: number) => number;
const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)') as (
  fd: number,
  frame: Buffer,
  size: number,
  flags: number,
  addr: Buffer,
  addrSize: number,
) => number | bigint;
const ifNameToIndex = libc.func('uint32_t if_nametoindex(const char *)') as (name: string) => number;
const close = libc.func('int close(int)') as (fd: number) => number;

const ETH_P_IP = 0x0800;

const [firstText = '0', pairsText = '1', ...protocolTexts] = process.argv.slice(2);
const first = Number(firstText);
const pairs = Number(pairsText);
const protocols = protocolTexts.map(Number);

const fd = socket(AF_PACKET, SOCK_RAW, 0);
if (fd < 0) throw new Error(`socket failed: errno ${koffi.errno()}`);
try {
  const frames = protocols.map((protocol) => ether(ETH_P_IP, ipv4(protocol)));
  // struct sockaddr_ll: family, protocol (network order), ifindex; the rest stays zero.
  const addr = Buffer.alloc(20);
  addr.writeUInt16LE(AF_PACKET, 0);
  addr.writeUInt16BE(ETH_P_IP, 2);
  let sent = 0;
  for (let i = first; i < first + pairs; i++) {
    for (const name of [`va${i}`, `vb${i}`]) {
      const ifindex = ifNameToIndex(name);
      if (ifindex === 0) throw new Error(`no interface ${name}`);
      addr.writeInt32LE(ifindex, 4);
      for (const frame of frames) {
        if (Number(sendto(fd, frame, frame.length, 0, addr, addr.length)) !== frame.length) throw new Error(`sendto ${name} failed: errno ${koffi.errno()}`);
        sent += 1;
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ frames: sent, frameBytes: ETH_HLEN + 28 })}\n`);
} finally {
  close(fd);
}
