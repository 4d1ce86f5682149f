/**
 * Test traffic between two network namespaces: UDP datagrams from a fixed
 * client port, each echoed back by a server and waited for, so when "call"
 * exits every frame has passed both interfaces.
 * Usage: node udp-echo.js serve ADDRESS PORT COUNT   (exits after echoing COUNT)
 *        node udp-echo.js call ADDRESS PORT CLIENT_PORT SIZE[,SIZE...]
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';

const [mode, address = '', portText = '0', fourth = '0', sizesText = ''] = process.argv.slice(2);
const port = Number(portText);
const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
setTimeout(() => {
  console.error(`udp-echo ${mode}: timed out`);
  process.exit(1);
}, 15_000).unref();

if (mode === 'serve') {
  let left = Number(fourth);
  socket.on('message', (data: Buffer, from: RemoteInfo) => {
    socket.send(data, from.port, from.address, () => {
      left -= 1;
      if (left === 0) socket.close();
    });
  });
  socket.bind(port, address, () => console.log('listening'));
} else {
  const sizes = sizesText.split(',').filter(Boolean).map(Number);
  let next = 0;
  const send = (): void => {
    if (next === sizes.length) {
      socket.close();
      console.log(JSON.stringify({ datagrams: sizes.length }));
      return;
    }
    socket.send(Buffer.alloc(sizes[next] ?? 0, 0x63), port, address);
  };
  socket.on('message', () => {
    next += 1;
    send();
  });
  socket.bind(Number(fourth), () => send());
}
