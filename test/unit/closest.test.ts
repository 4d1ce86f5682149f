import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, editDistance } from '../../src/cli/closest.js';

test('edit distance counts insertions, deletions, substitutions and swapped neighbours', () => {
  assert.equal(editDistance('interface', 'interface'), 0);
  assert.equal(editDistance('interfce', 'interface'), 1);
  assert.equal(editDistance('jsno', 'json'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closest: the nearest word within a third of its length, else nothing', () => {
  const words = ['interface', 'interval', 'count', 'json'];
  assert.equal(closest('interfce', words), 'interface');
  assert.equal(closest('intervall', words), 'interval');
  assert.equal(closest('cuont', words), 'count');
  assert.equal(closest('xyz', words), undefined);
  assert.equal(closest('eth0', ['demo', 'completion']), undefined);
  assert.equal(closest('dev0', ['demo', 'completion']), undefined);
});
