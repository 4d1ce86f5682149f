/**
 * The key-by-key map read that kernels before 5.6 (no batched lookups) get
 * must see exactly what the batched read sees, on the real maps of the real
 * filter after it counted crafted frames.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadObject } from '../../src/kernel/bpf-object.js';
import { BatchReader } from '../../src/kernel/counter-maps.js';
import { DEFAULT_OBJECT_PATH } from '../../src/kernel/filter.js';
import { ARRAY_SLOTS, IP_MAP, LAYOUT, OTHER_KEY_SIZE, OTHER_MAP, PROGRAM_NAME, sumPerCpu } from '../../src/kernel/layout.js';
import { loadNative } from '../../src/kernel/native.js';
import { requireRoot } from './harness.js';
import { testRun } from './prog-test-run.js';

function frame(ethertype: number, payload: Buffer): Buffer {
  const eth = Buffer.alloc(14);
  eth.fill(0xff, 0, 6);
  eth.writeUInt16BE(ethertype, 12);
  return Buffer.concat([eth, payload]);
}

function ipv4(protocol: number, size: number): Buffer {
  const h = Buffer.alloc(size);
  h[0] = 0x45;
  h.writeUInt16BE(size, 2);
  h[8] = 64;
  h[9] = protocol;
  return h;
}

/** Every non-zero entry of a map, as "key hex -> bytes/packets", read one way or the other. */
function contents(reader: BatchReader, fd: number, capacity: number, keySize: number): Map<string, string> {
  const buffers = reader.buffers(capacity, keySize);
  reader.startRead();
  const n = reader.lookupAll(fd, buffers, 'a test map');
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const totals = sumPerCpu(buffers.values, i, reader.cpus);
    if (totals) out.set(buffers.keys.subarray(i * keySize, (i + 1) * keySize).toString('hex'), `${totals.bytes}/${totals.packets}`);
  }
  return out;
}

test('reading key by key (kernels without batched lookups) gives what the batched read gives', (t) => {
  if (!requireRoot(t)) return;
  const native = loadNative();
  const object = loadObject(DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  t.after(() => object.close());
  const frames = [frame(0x0800, ipv4(17, 28)), frame(0x0800, ipv4(17, 100)), frame(0x0800, ipv4(6, 40)), frame(0x0806, Buffer.alloc(28)), frame(0x88b5, Buffer.alloc(46))];
  for (const f of frames) assert.deepEqual(testRun(native, object.programFd, f), { err: 0, retval: 0 });

  const batched = new BatchReader(native);
  const keyByKey = new BatchReader(native, { batched: false });
  for (const [name, capacity, keySize] of [
    [IP_MAP, ARRAY_SLOTS, 4],
    [OTHER_MAP, LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE],
  ] as const) {
    const fd = object.mapFd(name);
    const fast = contents(batched, fd, capacity, keySize);
    const slow = contents(keyByKey, fd, capacity, keySize);
    assert.deepEqual(slow, fast, name);
    assert.ok(fast.size > 0, `${name} counted something`);
  }
  // Test-run pulls the Ethernet header: bytes are the frame length less 14.
  const ip = contents(keyByKey, object.mapFd(IP_MAP), ARRAY_SLOTS, 4);
  assert.equal(ip.size, 2);
  // One syscall per map batched; two per entry key by key (an array has every slot, so the walk ends when the buffer is full).
  assert.equal(batched.lastReadCost.syscalls, 1);
  assert.equal(keyByKey.lastReadCost.syscalls, 2 * ARRAY_SLOTS);
});
