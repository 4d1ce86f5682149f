/**
 * Test traffic for --by process/user/cgroup: one TCP connection between two
 * processes, made before the caller says go (so before sockex starts), the
 * listener closed once it is accepted, named by their process titles.
 * Usage: node who-tcp.js serve TITLE ADDRESS PORT  (prints "listening", exits when the caller ends)
 *        node who-tcp.js call TITLE ADDRESS PORT BYTES  (prints "connected", sends BYTES after a line on stdin)
 */
import { createConnection, createServer, type Socket } from 'node:net';

const [mode, title = 'who-tcp', host = '127.0.0.1', portText = '0', bytesText = '0'] = process.argv.slice(2);
process.title = title;
setTimeout(() => {
  console.error(`who-tcp ${mode}: timed out`);
  process.exit(1);
}, 30_000).unref();

if (mode === 'serve') {
  const server = createServer((socket: Socket) => {
    server.close(); // from here on only the accepted socket is this process's
    socket.on('data', () => undefined);
    socket.on('end', () => socket.end());
  });
  server.listen(Number(portText), host, () => console.log('listening'));
} else {
  const client = createConnection({ host, port: Number(portText) }, () => {
    console.log('connected');
    process.stdin.once('data', () => {
      process.stdin.destroy(); // nothing more to wait for: the process ends with the connection
      client.end(Buffer.alloc(Number(bytesText), 0x74));
    });
  });
  client.on('data', () => undefined);
}
