/** Owners in the breakdown (--by process, user, cgroup): told apart, sorted, and written as JSON with the kernel's fields. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breakdownId, sortBreakdown, type BreakdownCounter } from '../../src/model/breakdown.js';
import { withBreakdown } from '../../src/model/breakdown-sampler.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderJson } from '../../src/render/json.js';

const part = (owner: Partial<BreakdownCounter>, bytes = 1n): BreakdownCounter => ({
  interface: 'lo',
  ifindex: 1,
  direction: 'tx',
  family: 'ipv4',
  protocol: 17,
  name: 'UDP',
  bytes,
  packets: 1n,
  bytesPerSecond: 0,
  packetsPerSecond: 0,
  ...owner,
});

test('processes sort by pid, then kernel, none and other; a reused pid with another command is another part', () => {
  const parts = [
    part({ process: 'other' }),
    part({ process: 'none' }),
    part({ process: { pid: 300, command: 'b', uid: 0 } }),
    part({ process: 'kernel' }),
    part({ process: { pid: 20, command: 'a', uid: 0 } }),
    part({ process: { pid: 300, command: 'a', uid: 0 } }),
  ];
  assert.deepEqual(
    sortBreakdown(parts).map((p) => (typeof p.process === 'string' ? p.process : `${p.process?.pid}:${p.process?.command}`)),
    ['20:a', '300:a', '300:b', 'kernel', 'none', 'other'],
  );
  assert.notEqual(breakdownId(parts[2]!), breakdownId(parts[5]!));
  const cgroups = sortBreakdown([part({ cgroup: 'kernel' }), part({ cgroup: { id: 10n } }), part({ cgroup: { id: 9n } })]);
  assert.deepEqual(cgroups.map((p) => (typeof p.cgroup === 'string' ? p.cgroup : p.cgroup?.id)), [9n, 10n, 'kernel'], 'cgroup ids in numeric order, then the words');
});

test('JSON: flat owner fields, or the owner word', () => {
  const base: Snapshot = { time: Date.UTC(2026, 0, 1), elapsed: 1, interval: 1, sequence: 1, interfaces: ['lo'], counters: [] };
  const json = (by: 'process' | 'user' | 'cgroup', counters: BreakdownCounter[]): unknown[] =>
    (JSON.parse(renderJson(withBreakdown(base, { by: [by], counters }))) as { breakdown: { counters: unknown[] } }).breakdown.counters.map((c) => {
      const { pid, command, uid, cgroup_id, owner } = c as Record<string, unknown>;
      return Object.fromEntries(Object.entries({ pid, command, uid, cgroup_id, owner }).filter(([, v]) => v !== undefined));
    });
  assert.deepEqual(json('process', [part({ process: { pid: 301, command: 'iperf3', uid: 1000 } }), part({ process: 'kernel' })]), [
    { pid: 301, command: 'iperf3', uid: 1000 },
    { owner: 'kernel' },
  ]);
  assert.deepEqual(json('user', [part({ user: { uid: 0 } }), part({ user: 'none' })]), [{ uid: 0 }, { owner: 'none' }]);
  assert.deepEqual(json('cgroup', [part({ cgroup: { id: 4242n } }), part({ cgroup: 'other' })]), [{ cgroup_id: 4242 }, { owner: 'other' }]);
});
