/**
 * Test traffic: one TCP connection over loopback carrying BYTES bytes, closed
 * cleanly from both sides before this exits.
 * Usage: node tcp.js 4|6 BYTES [SERVER_PORT]
 */
import { createConnection, createServer, type Socket } from 'node:net';

const host = process.argv[2] === '6' ? '::1' : '127.0.0.1';
const total = Number(process.argv[3] ?? '100000');
let received = 0;
let closed = 0;
const done = (): void => {
  closed += 1;
  if (closed === 2) {
    server.close();
    console.log(JSON.stringify({ bytes: received }));
  }
};
const server = createServer((socket: Socket) => {
  socket.on('data', (d: Buffer) => (received += d.length));
  socket.on('end', () => socket.end());
  socket.on('close', done);
});
server.listen(Number(process.argv[4] ?? 0), host, () => {
  const port = (server.address() as { port: number }).port;
  const client = createConnection({ host, port }, () => {
    client.end(Buffer.alloc(total, 0x62));
  });
  client.on('data', () => undefined);
  client.on('close', done);
});
setTimeout(() => {
  console.error('tcp: transfer did not finish');
  process.exit(1);
}, 10_000).unref();
