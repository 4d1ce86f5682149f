/**
 * A steady UDP flood over loopback for the soak run: datagrams of PAYLOAD
 * bytes to a local receiver, RATE per second, for SECONDS. Counts only
 * datagrams the kernel accepted (send callback without error), so the filter's
 * tx count must equal it exactly.
 * Usage: node udp-flood.js SECONDS RATE PAYLOAD
 * Prints {"sent": n, "failed": n, "payload": bytes} when done.
 */
import { createSocket } from 'node:dgram';

const [secondsText = '10', rateText = '5000', payloadText = '64'] = process.argv.slice(2);
const seconds = Number(secondsText);
const rate = Number(rateText);
const payload = Buffer.alloc(Number(payloadText), 0x73);
const TICK_MS = 10;

const server = createSocket('udp4');
const client = createSocket('udp4');
let sent = 0;
let failed = 0;
let pending = 0;

server.on('message', () => undefined);
server.bind(0, '127.0.0.1', () => {
  const port = (server.address() as { port: number }).port;
  const start = performance.now();
  let due = 0;
  const tick = (): void => {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) return finish();
    // Catch up to where the schedule says we should be, so the rate holds.
    const target = Math.floor((elapsed / 1000) * rate);
    for (; due < target; due++) {
      pending += 1;
      client.send(payload, port, '127.0.0.1', (err) => {
        pending -= 1;
        if (err) failed += 1;
        else sent += 1;
      });
    }
    setTimeout(tick, TICK_MS);
  };
  tick();
});

function finish(): void {
  if (pending > 0) {
    setTimeout(finish, 5);
    return;
  }
  client.close();
  server.close();
  console.log(JSON.stringify({ sent, failed, payload: payload.length }));
}
