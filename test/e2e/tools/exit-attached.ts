/**
 * Attach the -i any filter (which watches link notifications on a threadpool
 * thread) and exit without closing it, as an exit path that skips the release
 * would: the process must end, not wait for that thread forever.
 * Usage: node exit-attached.js any
 */
import { attachFilter, loadNative } from '../../../src/kernel/index.js';

const [iface] = process.argv.slice(2);
if (iface === undefined) {
  // Also reached when a test runner loads this file by itself.
  console.log('usage: node exit-attached.js INTERFACE');
  process.exit(0);
}
attachFilter(iface, { native: loadNative() }).read();
console.log('attached');
process.exit(0);
