/**
 * Test traffic: one datagram to each of COUNT ports from FIRST_PORT on, all
 * from one socket within a few milliseconds (a port scan's shape). Nothing
 * listens: lo carries each datagram out and in, then an ICMP "port
 * unreachable" back.
 * Usage: node udp-probes.js COUNT FIRST_PORT SIZE
 */
import { createSocket } from 'node:dgram';

const [count = 0, firstPort = 0, size = 0] = process.argv.slice(2).map(Number);
const socket = createSocket('udp4');
let sent = 0;
for (let i = 0; i < count; i++) {
  socket.send(Buffer.alloc(size, 0x61), firstPort + i, '127.0.0.1', (err) => {
    if (err) {
      console.error(`udp-probes: ${err.message}`);
      process.exit(1);
    }
    if (++sent === count) socket.close();
  });
}
