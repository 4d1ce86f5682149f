/**
 * Test device: creates a tun interface (IFF_TUN, no link-layer header) and
 * holds it open, so it has carrier and the kernel transmits into it, until
 * the process is signalled. Prints "ready" once the device exists.
 * Usage: node tun.js NAME
 */
import { openTun } from './tun-device.js';

openTun(process.argv[2] ?? 'tun0');
console.log('ready');
// Hold the fd (and so the carrier) until told to stop.
setInterval(() => undefined, 1 << 30);
