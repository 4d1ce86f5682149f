/**
 * Attach a filter with only FREE file descriptors left, to see what each
 * step of an attach says when they run out (the libbpf load, the AF_PACKET
 * socket, rtnetlink...). One filter on lo is attached first, with room, so
 * libbpf's one-time feature probes are done as in a real run's first load.
 * Usage: node squeeze-attach.js FREE [INTERFACE [BY]]
 * Prints {"attached":true}, or the error as the kernel layer threw it and
 * as sockex reports it: {"thrown":..., "errno":..., "reported":..., "code":...}.
 */
import { closeSync, openSync } from 'node:fs';
import { attachFilter, DescriptorBudget, loadNative } from '../../../src/kernel/index.js';
import type { BreakdownBy } from '../../../src/model/breakdown.js';
import { isOwnerKind } from '../../../src/model/owners.js';

const [free, iface = 'lo', by] = process.argv.slice(2);
if (free === undefined) {
  // Also reached when a test runner loads this file by itself.
  console.log('usage: node squeeze-attach.js FREE [INTERFACE [BY]]');
  process.exit(0);
}
const native = loadNative();
const options = { native, by: by === undefined ? [] : (by.split(',') as BreakdownBy[]) };
const warm = attachFilter('lo', { native });

const held: number[] = [];
try {
  for (;;) held.push(openSync('/dev/null', 'r'));
} catch (error) {
  if ((error as { code?: string }).code !== 'EMFILE') throw error;
}
for (const fd of held.splice(0, Number(free))) closeSync(fd);

try {
  // Closed: -i any's filter follows link notifications on a threadpool thread, which would keep this alive.
  attachFilter(iface, options).close();
  console.log(JSON.stringify({ attached: true }));
} catch (error) {
  const reported = new DescriptorBudget(native, [iface], options.by.length > 0, options.by.some(isOwnerKind)).explain(error) as Error & { code?: string };
  const { errno } = error as { errno?: number };
  console.log(JSON.stringify({ thrown: (error as Error).message, errno, reported: reported.message, code: reported.code }));
}
warm.close();
