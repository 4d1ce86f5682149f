import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cgroup2RootIn } from '../../src/kernel/cgroups/index.js';

test('the cgroup2 mount is found wherever it is, on hybrid and unified hosts', () => {
  const hybrid = ['tmpfs /sys/fs/cgroup tmpfs ro 0 0', 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0', 'cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0'].join('\n');
  assert.equal(cgroup2RootIn(hybrid), '/sys/fs/cgroup/unified');
  assert.equal(cgroup2RootIn('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n'), '/sys/fs/cgroup');
  assert.equal(cgroup2RootIn('none /mnt/my\\040cgroups cgroup2 rw 0 0\n'), '/mnt/my cgroups');
  assert.equal(cgroup2RootIn('proc /proc proc rw 0 0\n'), undefined);
});
