/**
 * LastRead: a batched read that returned the same keys and counts as the
 * last one is told apart from one where anything moved, by bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchBuffers } from '../../src/kernel/maps/batch-reader.js';
import { LastRead } from '../../src/kernel/maps/reading-cache.js';
import { COUNTER_SIZE } from '../../src/kernel/maps/layout.js';

const CPUS = 2;

test('LastRead: same bytes are the same read; a count, a key or the entry count that moved is not, and is remembered', () => {
  const b = batchBuffers(4, 8, CPUS);
  const last = new LastRead(b);
  b.keys.writeUInt32LE(7, 0);
  b.values.writeUInt32LE(100, 0);
  assert.equal(last.same(b, 1, CPUS), false, 'the first read has nothing to match');
  assert.equal(last.same(b, 1, CPUS), true);
  // The second CPU's packet count of the one entry.
  b.values.writeUInt32LE(1, COUNTER_SIZE + 8);
  assert.equal(last.same(b, 1, CPUS), false);
  assert.equal(last.same(b, 1, CPUS), true, 'the changed read is the one remembered');
  b.keys.writeUInt32LE(8, 0);
  assert.equal(last.same(b, 1, CPUS), false);
  // A second entry that is all zero bytes: still a different read.
  assert.equal(last.same(b, 2, CPUS), false);
  assert.equal(last.same(b, 2, CPUS), true);
  // Bytes past the entries read are not looked at.
  b.values.writeUInt32LE(5, 3 * CPUS * COUNTER_SIZE);
  b.keys.writeUInt32LE(5, 3 * 8);
  assert.equal(last.same(b, 2, CPUS), true);
});
