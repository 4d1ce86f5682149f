/** The sweep of idle flows: what it deletes, against a fake flows table (a batched lookup and deletes). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Native } from '../../src/kernel/libbpf/index.js';
import { FLOW_KEY_SIZE, FLOW_LAST_USED, FLOW_SIZE } from '../../src/kernel/who/layout.js';
import { FlowSweep } from '../../src/kernel/who/sweep.js';

const SECOND = 1_000_000_000n;

/** A flows table of keys (their first byte) -> last used; the kernel's two calls the sweep makes. */
function fakeFlows(entries: Map<number, bigint>): { native: Native; deleted: number[] } {
  const deleted: number[] = [];
  const libbpf = {
    mapLookupBatch(_fd: number, _in: null, _out: Buffer, keys: Buffer, values: Buffer, count: Buffer): number {
      let i = 0;
      for (const [id, lastUsed] of entries) {
        keys.fill(0, i * FLOW_KEY_SIZE, (i + 1) * FLOW_KEY_SIZE).writeUInt8(id, i * FLOW_KEY_SIZE);
        values.writeBigUInt64LE(lastUsed, i * FLOW_SIZE + FLOW_LAST_USED);
        i++;
      }
      count.writeUInt32LE(i);
      return -2; // ENOENT: the table ended before the batch
    },
    mapDeleteElem(_fd: number, key: Buffer): number {
      const id = key.readUInt8(0);
      deleted.push(id);
      return entries.delete(id) ? 0 : -2;
    },
  };
  return { native: { libbpf } as unknown as Native, deleted };
}

test('flows idle past the grace time are deleted, the others kept', () => {
  const now = 10_000n * SECOND;
  const flows = new Map([
    [1, now - 61n * SECOND],
    [2, now - 60n * SECOND],
    [3, now - 1n * SECOND],
    [4, now - 3600n * SECOND],
  ]);
  const { native, deleted } = fakeFlows(flows);
  const sweep = new FlowSweep(native, 7, 60n * SECOND);
  assert.equal(sweep.run(now), 2);
  assert.deepEqual(deleted, [1, 4]);
  assert.deepEqual([...flows.keys()], [2, 3]);
  assert.equal(sweep.run(now), 0, 'nothing more to delete');
});
