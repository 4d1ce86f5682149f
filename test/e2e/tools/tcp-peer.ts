/**
 * Test traffic between two network namespaces: one TCP connection carrying
 * BYTES bytes to a server, closed cleanly from both sides before "call" exits.
 * Usage: node tcp-peer.js serve ADDRESS PORT   (prints "listening", exits after one connection)
 *        node tcp-peer.js call ADDRESS PORT BYTES
 */
import { createConnection, createServer, type Socket } from 'node:net';

const [mode, host = '', portText = '0', bytesText = '0'] = process.argv.slice(2);
const port = Number(portText);
setTimeout(() => {
  console.error(`tcp-peer ${mode}: timed out`);
  process.exit(1);
}, 15_000).unref();

if (mode === 'serve') {
  const server = createServer((socket: Socket) => {
    socket.on('data', () => undefined);
    socket.on('end', () => socket.end());
    socket.on('close', () => server.close());
  });
  server.listen(port, host, () => console.log('listening'));
} else {
  const client = createConnection({ host, port }, () => client.end(Buffer.alloc(Number(bytesText), 0x62)));
  client.on('data', () => undefined);
  client.on('close', () => console.log(JSON.stringify({ bytes: Number(bytesText) })));
}
