/**
 * "Unchanged" as the readers say it, on the real filters' maps after frames
 * counted with BPF_PROG_TEST_RUN (no network): a read that found nothing
 * moved is the last read again (same generation), one after a frame is a new
 * one, and what a read hands on is frozen, so it can never change after the
 * fact. Each reader as sockex builds it: the protocol filter's, the
 * breakdown filter's (--by) and -i any's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ANY_OBJECT_PATH, openAnyCounterMaps } from '../../src/kernel/filters/any-filter.js';
import { breakdownCounters } from '../../src/kernel/filters/breakdown-filter.js';
import { DEFAULT_OBJECT_PATH, protocolCounters } from '../../src/kernel/filters/filter.js';
import { loadObject } from '../../src/kernel/libbpf/object.js';
import { loadNative, type Native } from '../../src/kernel/libbpf/native.js';
import { LinkTable } from '../../src/kernel/links/link-table.js';
import { RouteSocket } from '../../src/kernel/links/rtnetlink.js';
import { ANY_MAP, ANY_OVERFLOW_MAP, ANY_PROGRAM_NAME, PROGRAM_NAME } from '../../src/kernel/maps/layout.js';
import type { CounterRead } from '../../src/model/counter-read.js';
import type { Reading } from '../../src/model/counters.js';
import { ether, ipv4 } from './frames.js';
import { requireRoot } from './harness.js';
import { testRun } from './prog-test-run.js';

const place = { interface: 'lo', ifindex: 1 };
const udp = ether(0x0800, ipv4(17, { payload: 8 }));

/** Count a frame, read twice, count another: the generations and the frozen arrays of those reads. */
function checkReads(native: Native, programFd: number, read: () => CounterRead, label: string): CounterRead {
  assert.deepEqual(testRun(native, programFd, udp), { err: 0, retval: 0 });
  const first = read();
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.readings) && Object.isFrozen(first.breakdown), `${label}: frozen`);
  assert.throws(() => (first.readings as Reading[]).push(first.readings[0]!), TypeError, `${label}: a handed-on array cannot be refilled`);
  const bytes = first.readings.map((r) => r.bytes);
  assert.deepEqual(bytes, [28n], `${label}: the frame's IPv4 bytes`);
  assert.deepEqual(testRun(native, programFd, udp), { err: 0, retval: 0 });
  const second = read();
  assert.notEqual(second.generation, first.generation, `${label}: a frame counted is a new read`);
  assert.deepEqual(second.readings.map((r) => r.bytes), [56n]);
  assert.deepEqual(first.readings.map((r) => r.bytes), bytes, `${label}: the earlier read still says what it read`);
  return second;
}

test('the protocol filter: nothing moved is the same read; a frame counted is a new, frozen one', (t) => {
  if (!requireRoot(t)) return;
  const native = loadNative();
  const object = loadObject(DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  t.after(() => object.close());
  const counters = protocolCounters(native, place, undefined).openCounters(object);
  const last = checkReads(native, object.programFd, () => counters.read(), 'protocols');
  const again = counters.read();
  assert.equal(again, last, 'nothing counted since: the same read');
  assert.equal(counters.read().generation, last.generation);
});

test('the breakdown filter: its read carries the breakdown taken with the protocol counters, both frozen', (t) => {
  if (!requireRoot(t)) return;
  const native = loadNative();
  const spec = breakdownCounters(native, place, { by: ['port'] });
  const object = loadObject(spec.objectPath, spec.programName, native, { mapSizes: spec.mapSizes });
  t.after(() => object.close());
  const counters = spec.openCounters(object);
  const last = checkReads(native, object.programFd, () => counters.read(), 'breakdown');
  // UDP with zero ports: the one port, both frames.
  assert.deepEqual(last.breakdown.map((b) => [b.protocol, b.port, b.bytes, b.packets]), [[17, 0, 56n, 2n]]);
  assert.throws(() => (last.breakdown as unknown[]).pop(), TypeError);
});

test('-i any: nothing moved is the same frozen array; a frame counted is a new one', (t) => {
  if (!requireRoot(t)) return;
  const native = loadNative();
  const object = loadObject(DEFAULT_ANY_OBJECT_PATH, ANY_PROGRAM_NAME, native);
  const links = new LinkTable(new RouteSocket(native, true));
  t.after(() => {
    links.close();
    object.close();
  });
  const maps = openAnyCounterMaps(native, object.mapFd(ANY_MAP), object.mapFd(ANY_OVERFLOW_MAP), links);
  assert.deepEqual(testRun(native, object.programFd, udp), { err: 0, retval: 0 });
  const first = maps.read();
  assert.equal(maps.read(), first, 'nothing counted: the same array');
  assert.ok(Object.isFrozen(first));
  assert.throws(() => (first as Reading[]).splice(0), TypeError);
  assert.deepEqual(testRun(native, object.programFd, udp), { err: 0, retval: 0 });
  const second = maps.read();
  assert.notEqual(second, first);
  assert.deepEqual([first, second].map((readings) => readings.map((r) => [r.interface, r.bytes])), [[['lo', 28n]], [['lo', 56n]]]);
});
