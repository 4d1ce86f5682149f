/**
 * Test traffic for a flood: UDP datagrams of one payload size from a fixed
 * client port to PORTS consecutive ports on 127.0.0.1 (nothing listens), in
 * turn, as fast as the socket takes them, for SECONDS. Prints how many were
 * sent to each port (a send that failed made no frame and is not counted).
 * Usage: node udp-spray.js SECONDS FIRST_PORT PORTS PAYLOAD CLIENT_PORT
 */
import { createSocket } from 'node:dgram';

const [seconds, firstPort, ports, payload, clientPort] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const socket = createSocket('udp4');
const data = Buffer.alloc(payload);
const sent = new Array<number>(ports).fill(0);
const end = Date.now() + seconds * 1000;
let next = 0;

/** A burst of sends, then the next burst once they are all done. */
function burst(): void {
  if (Date.now() >= end) {
    socket.close();
    console.log(JSON.stringify({ firstPort, sent }));
    return;
  }
  let pending = 64;
  for (let i = 0; i < 64; i++) {
    const port = next;
    next = (next + 1) % ports;
    socket.send(data, firstPort + port, '127.0.0.1', (err) => {
      if (!err) sent[port]! += 1;
      if (--pending === 0) setImmediate(burst);
    });
  }
}

socket.bind(clientPort, '127.0.0.1', burst);
