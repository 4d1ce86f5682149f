/**
 * The map reads on the real maps of the real filter after it counted crafted
 * frames: the key-by-key read that kernels before 5.6 (no batched lookups)
 * get sees exactly what the batched read sees, and the IP table's single
 * element holds each frame in its slot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadObject } from '../../src/kernel/libbpf/object.js';
import { BatchReader } from '../../src/kernel/maps/batch-reader.js';
import { DEFAULT_OBJECT_PATH } from '../../src/kernel/filters/filter.js';
import { ARRAY_SLOTS, COUNTER_SIZE, CPU_MAJOR_TABLE, IP_MAP, LAYOUT, OTHER_KEY_SIZE, OTHER_MAP, PROGRAM_NAME, TABLE_SIZE, sumPerCpu } from '../../src/kernel/maps/layout.js';
import { loadNative } from '../../src/kernel/libbpf/native.js';
import { ether, ipv4 } from './frames.js';
import { requireRoot } from './harness.js';
import { testRun } from './prog-test-run.js';
import { ReadMeter } from '../../bench/read-meter.js';



/** Every non-zero entry of a map, as "key hex -> bytes/packets", read one way or the other. */
function contents(reader: BatchReader, fd: number, capacity: number, keySize: number): Map<string, string> {
  const buffers = reader.buffers(capacity, keySize);
  const n = reader.lookupAll(fd, buffers, 'a test map');
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const totals = sumPerCpu(buffers.values, i, reader.cpus);
    if (totals) out.set(buffers.keys.subarray(i * keySize, (i + 1) * keySize).toString('hex'), `${totals.bytes}/${totals.packets}`);
  }
  return out;
}

test('map reads: key by key equals batched, and the IP table holds each frame in its slot', (t) => {
  if (!requireRoot(t)) return;
  const native = loadNative();
  const object = loadObject(DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  t.after(() => object.close());
  const frames = [ether(0x0800, ipv4(17, { payload: 8 })), ether(0x0800, ipv4(17, { payload: 80 })), ether(0x0800, ipv4(6, { payload: 20 })), ether(0x0806, Buffer.alloc(28)), ether(0x88b5, Buffer.alloc(46))];
  for (const f of frames) assert.deepEqual(testRun(native, object.programFd, f), { err: 0, retval: 0 });

  const batchedMeter = new ReadMeter(native);
  const keyByKeyMeter = new ReadMeter(native);
  const batched = new BatchReader(batchedMeter.native);
  const keyByKey = new BatchReader(keyByKeyMeter.native, { batched: false });
  const otherFd = object.mapFd(OTHER_MAP);
  const fast = contents(batched, otherFd, LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE);
  const slow = contents(keyByKey, otherFd, LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE);
  assert.deepEqual(slow, fast);
  // Test-run pulls the Ethernet header: bytes are the frame length less 14 (ARP 28, 0x88b5 46).
  assert.deepEqual([...fast.values()].sort(), ['28/1', '46/1']);
  // One syscall batched; two per entry key by key, and one more to find the end.
  assert.equal(batchedMeter.syscalls, 1);
  assert.equal(keyByKeyMeter.syscalls, 2 * 2 + 1);
  // Either way the kernel copies out each entry's key and every CPU's counter.
  const entryBytes = OTHER_KEY_SIZE + batched.cpus * COUNTER_SIZE;
  assert.deepEqual([batchedMeter.bytes, keyByKeyMeter.bytes], [2 * entryBytes, 2 * entryBytes]);

  // The IP table: one element, each CPU's copy of every slot side by side.
  const table = Buffer.alloc(batched.cpus * TABLE_SIZE);
  batchedMeter.reset();
  batched.lookupOne(object.mapFd(IP_MAP), Buffer.alloc(4), table, 'the IP table');
  assert.deepEqual([batchedMeter.syscalls, batchedMeter.bytes], [1, 4 + table.length]);
  const slots = new Map<number, string>();
  for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
    const totals = sumPerCpu(table, slot, batched.cpus, CPU_MAJOR_TABLE);
    if (totals) slots.set(slot, `${totals.bytes}/${totals.packets}`);
  }
  // Received (test-run never marks a frame outgoing), IPv4: slot 512 + protocol.
  assert.deepEqual(slots, new Map([[512 + 6, '40/1'], [512 + 17, '128/2']]));
});
