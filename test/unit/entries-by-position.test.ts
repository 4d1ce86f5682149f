/**
 * EntriesByPosition: an entry of a batched read whose key and per-CPU values
 * are those of an entry the last time (at its place, or at another: a key
 * added shifts the rest) keeps what was made of it; any other is made anew.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchBuffers } from '../../src/kernel/maps/batch-reader.js';
import { EntriesByPosition } from '../../src/kernel/maps/entries-by-position.js';
import { COUNTER_SIZE } from '../../src/kernel/maps/layout.js';

const CPUS = 2;
const KEY_SIZE = 8;

/** Entry i: its key and the first CPU's byte count. */
function write(b: ReturnType<typeof batchBuffers>, i: number, key: number, bytes: number): void {
  b.keys.writeUInt32LE(key, i * KEY_SIZE);
  b.values.writeUInt32LE(bytes, i * CPUS * COUNTER_SIZE);
}

test('unchanged entries keep what was made of them, at their place or moved; a moved count, a new key, or reuse off makes it anew', () => {
  const b = batchBuffers(4, KEY_SIZE, CPUS);
  const entries = new EntriesByPosition<{ key: number; bytes: number }>(b);
  const make = (i: number) => {
    const bytes = b.values.readUInt32LE(i * CPUS * COUNTER_SIZE);
    return bytes === 0 ? undefined : { key: b.keys.readUInt32LE(i * KEY_SIZE), bytes };
  };
  write(b, 0, 7, 100);
  write(b, 1, 8, 200);
  write(b, 2, 9, 0);
  const first = entries.map(b, 3, CPUS, true, make);
  assert.deepEqual(first, [{ key: 7, bytes: 100 }, { key: 8, bytes: 200 }, undefined]);

  // The second CPU's packets of entry 1 moved; entry 0 did not.
  b.values.writeUInt32LE(1, (1 * CPUS + 1) * COUNTER_SIZE + 8);
  const second = entries.map(b, 3, CPUS, true, make);
  assert.equal(second[0], first[0]);
  assert.notEqual(second[1], first[1]);
  assert.deepEqual(second[1], { key: 8, bytes: 200 });

  // A key added before the others: every place now holds another key, and the entries that did not change are found by their key.
  b.values.fill(0);
  write(b, 0, 6, 50);
  write(b, 1, 7, 100);
  write(b, 2, 8, 200);
  b.values.writeUInt32LE(1, (2 * CPUS + 1) * COUNTER_SIZE + 8);
  write(b, 3, 9, 0);
  const third = entries.map(b, 4, CPUS, true, make);
  assert.deepEqual(third, [{ key: 6, bytes: 50 }, { key: 7, bytes: 100 }, { key: 8, bytes: 200 }, undefined]);
  assert.equal(third[1], second[0], 'key 7, one place on: kept');
  assert.equal(third[2], second[1], 'key 8, one place on: kept');
  const fourth = entries.map(b, 4, CPUS, true, make);
  assert.ok(fourth.every((r, i) => r === third[i]), 'nothing moved: all kept');
  const fifth = entries.map(b, 4, CPUS, false, make);
  assert.deepEqual(fifth, third);
  assert.ok(fifth.every((r, i) => r === undefined || r !== third[i]), 'reuse off: all made anew');

  // Fewer entries: the ones left keep theirs.
  const sixth = entries.map(b, 2, CPUS, true, make);
  assert.deepEqual(sixth.length, 2);
  assert.ok(sixth.every((r, i) => r === fifth[i]));
});

test('an entry found by its key but with a moved count is made anew', () => {
  const b = batchBuffers(2, KEY_SIZE, CPUS);
  const entries = new EntriesByPosition<{ key: number; bytes: number }>(b);
  const make = (i: number) => ({ key: b.keys.readUInt32LE(i * KEY_SIZE), bytes: b.values.readUInt32LE(i * CPUS * COUNTER_SIZE) });
  write(b, 0, 6, 50);
  write(b, 1, 7, 100);
  const first = entries.map(b, 2, CPUS, true, make);
  // The two swap places; 7 moved.
  write(b, 0, 7, 300);
  write(b, 1, 6, 50);
  const second = entries.map(b, 2, CPUS, true, make);
  assert.deepEqual(second, [{ key: 7, bytes: 300 }, { key: 6, bytes: 50 }]);
  assert.notEqual(second[0], first[1]);
  assert.equal(second[1], first[0], 'key 6, one place on: kept');
});
