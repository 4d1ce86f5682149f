/**
 * Many UDP flows, one datagram each: from one socket (a fixed client port)
 * to every port from 1 to PORTS on each ADDRESS (nothing listens), so each
 * datagram is a flow of its own. Prints {"sent":N,"pid":P} once every send
 * is done (a send that failed made no frame and is not counted).
 * Usage: node udp-flows.js PAYLOAD CLIENT_PORT PORTS ADDRESS...
 */
import { createSocket } from 'node:dgram';

const [payload, clientPort, ports, ...addresses] = process.argv.slice(2);
const data = Buffer.alloc(Number(payload));
const targets = addresses.flatMap((address) => Array.from({ length: Number(ports) }, (_, i) => [address, i + 1] as const));
const socket = createSocket('udp4');
let sent = 0;
let next = 0;

/** A burst of sends, then the next once they are all done: the socket buffer never overflows. */
function burst(): void {
  if (next >= targets.length) {
    socket.close();
    console.log(JSON.stringify({ sent, pid: process.pid }));
    return;
  }
  const batch = targets.slice(next, next + 64);
  next += batch.length;
  let pending = batch.length;
  for (const [address, port] of batch) {
    socket.send(data, port, address, (err) => {
      if (!err) sent += 1;
      if (--pending === 0) setImmediate(burst);
    });
  }
}

socket.bind(Number(clientPort), '0.0.0.0', burst);
