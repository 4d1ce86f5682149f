/**
 * --cgroup2 PATH end to end: sockex run through `ip netns exec`, which
 * remounts /sys and so leaves it no cgroup2 mount of its own (as a container
 * with a namespaced /sys/fs/cgroup has none of the node's), attaches at the
 * host's cgroup2 root bind-mounted elsewhere and names cgroups under it; a
 * directory that is not that root is refused before anything is attached.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { bindCgroup2Root, TestCgroup } from './cgroups.js';
import { udp4Frame } from './frames.js';
import { CLI, NetNs, TOOLS, counter, requireRoot, startSockex, type JsonBreakdownCounter } from './harness.js';

const UDP = 17;

interface CgroupPart extends JsonBreakdownCounter {
  cgroup?: string;
  cgroup_id?: number;
}

test('--cgroup2 at a bind mount of the host\'s root: attached there, each frame in its cgroup by path, under ip netns exec', async (t) => {
  if (!requireRoot(t)) return;
  const root = bindCgroup2Root(t);
  const ns = NetNs.create(t, 'cg2');
  const sender = TestCgroup.create(t, 'cg2send');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'lo', '--by', 'cgroup', '--cgroup2', root]);
  t.after(() => sockex.child.kill());
  const sent = spawnSync('nsenter', [`--net=/run/netns/${ns.name}`, ...sender.wrap([process.execPath, `${TOOLS}udp.js`, '4', '100,700'])], { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  await sockex.sampleShowing((s) => counter(s, { interface: 'lo', direction: 'rx', family: 'ipv4', protocol: UDP }).packets === 2);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const sample = sockex.lastSample();
  for (const direction of ['tx', 'rx'] as const) {
    const parts = (sample.breakdown?.counters ?? []).filter((c) => c.direction === direction && c.protocol === UDP) as CgroupPart[];
    assert.deepEqual(
      parts.map(({ cgroup, cgroup_id, bytes, packets }) => ({ cgroup, cgroup_id, bytes, packets })),
      [{ cgroup: sender.path, cgroup_id: Number(sender.id), bytes: udp4Frame(100) + udp4Frame(700), packets: 2 }],
      `${direction}: the sender's cgroup, its path relative to the root named`,
    );
  }
});

test('--cgroup2 refused in one line (exit 2) for a directory that is not a cgroup v2 root, or without --by process/user/cgroup', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'cg2bad');
  const plain = mkdtempSync(join(tmpdir(), 'sockex-not-cgroup2-'));
  t.after(() => rmdirSync(plain));
  const below = TestCgroup.create(t, 'cg2below');
  const root = bindCgroup2Root(t);
  const refusals: [string[], RegExp][] = [
    [['--by', 'cgroup', '--cgroup2', plain], /^sockex: --cgroup2 ".*" is not a cgroup v2 mount: name the cgroup v2 root/],
    [['--by', 'process', '--cgroup2', `${root}${below.path}`], /^sockex: --cgroup2 ".*" is a cgroup below the cgroup v2 root/],
    [['--by', 'port', '--cgroup2', root], /^sockex: --cgroup2 names where the owner hooks attach: add --by process, user or cgroup/],
  ];
  for (const [args, message] of refusals) {
    const ran = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '--json', '-c', '1', '-i', 'lo', ...args], { encoding: 'utf8' });
    assert.equal(ran.status, ExitCode.usage, ran.stderr);
    assert.match(ran.stderr, message);
    assert.equal(ran.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(ran.stdout, '');
  }
});
