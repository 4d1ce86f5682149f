/**
 * Cgroup ids to paths on the real cgroup2 hierarchy: cgroups this test
 * makes under the real root (and removes), found by their ids with one walk
 * of the tree for new ids and none for ids already known or gone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CgroupPaths, findCgroup2Root } from '../../src/kernel/cgroups/index.js';
import { requireRoot } from './harness.js';

test('cgroup ids (their directories\' inodes) to paths relative to the cgroup2 root, walked once per new id, bounded', (t) => {
  if (!requireRoot(t)) return;
  const root = findCgroup2Root();
  assert.ok(root, 'this machine has a cgroup2 mount');
  const top = `sockex-test-${process.pid}`;
  const made = [join(root, top), join(root, top, 'app.service'), join(root, top, 'app.service', 'worker')];
  for (const dir of made) mkdirSync(dir);
  t.after(() => {
    for (const dir of [...made].reverse()) rmdirSync(dir);
  });
  const [topId, appId, workerId] = made.map((dir) => statSync(dir, { bigint: true }).ino) as [bigint, bigint, bigint];
  const paths = new CgroupPaths(root, 3);
  const first = paths.paths(new Set([1n, topId, workerId]));
  assert.deepEqual([...first], [[1n, '/'], [topId, `/${top}`], [workerId, `/${top}/app.service/worker`]]);
  assert.equal(paths.walks, 1);
  paths.paths(new Set([topId, workerId]));
  assert.equal(paths.walks, 1, 'known ids: no walk');
  // A cgroup removed before its id was looked up: gone, and never walked for again.
  rmdirSync(made.pop()!);
  const gone = paths.paths(new Set([appId, workerId, 123456789n]));
  assert.deepEqual([...gone], [[appId, `/${top}/app.service`], [workerId, `/${top}/app.service/worker`]], 'a path found once is kept');
  assert.equal(paths.walks, 2, 'one walk for two new ids');
  paths.paths(new Set([123456789n]));
  assert.equal(paths.walks, 2, 'an id found gone is not walked for again');
  // The cache holds 3 ids: the oldest (the root) is forgotten and found again by a walk.
  assert.deepEqual([...paths.paths(new Set([1n]))], [[1n, '/']]);
  assert.equal(paths.walks, 3);
});
