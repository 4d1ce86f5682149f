/**
 * Test traffic: UDP datagrams of given payload sizes from one loopback socket
 * to another, each waited for, so when this exits every frame has passed the
 * interface (both taps run before delivery).
 * Usage: node udp.js 4|6 SIZE[,SIZE...] [SERVER_PORT [CLIENT_PORT]]
 * (ports default to ones the kernel picks).
 */
import { createSocket } from 'node:dgram';

const family = process.argv[2] === '6' ? 6 : 4;
const sizes = (process.argv[3] ?? '').split(',').filter(Boolean).map(Number);
const address = family === 6 ? '::1' : '127.0.0.1';
const type = family === 6 ? 'udp6' : 'udp4';
const serverPort = Number(process.argv[4] ?? 0);
const clientPort = Number(process.argv[5] ?? 0);

const server = createSocket(type);
const client = createSocket(type);
let next = 0;
const timer = setTimeout(() => {
  console.error(`udp: only ${next} of ${sizes.length} datagrams arrived`);
  process.exit(1);
}, 10_000);

function send(): void {
  if (next === sizes.length) {
    clearTimeout(timer);
    client.close();
    server.close();
    console.log(JSON.stringify({ datagrams: sizes.length, payload: sizes.reduce((a, b) => a + b, 0) }));
    return;
  }
  client.send(Buffer.alloc(sizes[next] ?? 0, 0x61), (server.address() as { port: number }).port, address);
}

server.on('message', () => {
  next += 1;
  send();
});
server.bind(serverPort, address, () => client.bind(clientPort, address, () => send()));
