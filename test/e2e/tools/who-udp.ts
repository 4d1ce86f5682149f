/**
 * Test traffic for --by process/user/cgroup: a UDP receiver and senders that
 * are separate processes, each named by its process title (the kernel's
 * comm, at most 15 bytes), so the test knows whose frames are whose.
 * Usage: node who-udp.js receive TITLE ADDRESS PORT COUNT  (prints "listening", exits after COUNT datagrams)
 *        node who-udp.js send TITLE ADDRESS PORT SIZE[,SIZE...]  (prints its pid and port when sent)
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const [mode, title = 'who-udp', address = '127.0.0.1', portText = '0', last = ''] = process.argv.slice(2);
process.title = title;
const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
setTimeout(() => {
  console.error(`who-udp ${mode}: timed out`);
  process.exit(1);
}, 20_000).unref();

if (mode === 'receive') {
  let left = Number(last);
  socket.on('message', () => {
    left -= 1;
    if (left === 0) socket.close();
  });
  socket.bind(Number(portText), address, () => console.log('listening'));
} else {
  const sizes = last.split(',').filter(Boolean).map(Number);
  socket.bind(0, () => {
    let sent = 0;
    for (const size of sizes) {
      socket.send(Buffer.alloc(size, 0x77), Number(portText), address, () => {
        sent += 1;
        if (sent < sizes.length) return;
        console.log(JSON.stringify({ pid: process.pid, port: socket.address().port }));
        socket.close();
      });
    }
  });
}
