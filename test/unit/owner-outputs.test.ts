/**
 * Owners (--by process, user, cgroup) in the outputs, from made-up readings
 * through the real sampler and details step: the JSON fields user space
 * adds, and the metrics' owner labels (never pid) within the series budget,
 * checked by promtool.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { BreakdownReading } from '../../src/model/breakdown.js';
import { sampleWithBreakdown } from '../../src/model/breakdown-sampler.js';
import { counterRead } from '../../src/model/counter-read.js';
import { OwnerDetails } from '../../src/model/owner-details.js';
import type { CgroupValue, ProcessValue } from '../../src/model/owners.js';
import { Sampler } from '../../src/model/sampler.js';
import { renderJson } from '../../src/render/json.js';
import { createPrometheusRenderer } from '../../src/render/prometheus.js';
import { fakeClock } from './fake-clock.js';

const CONTAINER = 'c0ffee'.repeat(10) + 'abcd';
const POD = '5d3f1c2a-8b7e-4f60-9a1b-2c3d4e5f6a7b';
const POD_PATH = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER}.scope`;

function udp(owner: { process?: ProcessValue; cgroup?: CgroupValue }, bytes: number): BreakdownReading {
  return { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, ...owner, bytes: BigInt(bytes), packets: 1n };
}

const details = (): OwnerDetails =>
  new OwnerDetails({
    userNames: { name: (uid) => (uid === 0 ? 'root' : undefined) },
    cgroups: { paths: () => new Map([[7n, POD_PATH], [8n, '/system.slice/nginx "main".service']]) },
    readCommand: (pid) => (pid === 300 ? 'curl' : undefined),
  });

test('JSON: the user name, cgroup path, container, pod UID and exited beside each owner, only where known', () => {
  const clock = fakeClock();
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), ['process', 'cgroup'], details());
  const snapshot = sampler.sample(
    counterRead(
      [],
      [
        udp({ process: { pid: 300, command: 'curl', uid: 0 }, cgroup: { id: 7n } }, 100),
        udp({ process: { pid: 301, command: 'iperf3', uid: 1000 }, cgroup: { id: 9n } }, 200),
        udp({ process: 'kernel', cgroup: 'kernel' }, 300),
      ],
    ),
  );
  const counters = (JSON.parse(renderJson(snapshot)) as { breakdown: { counters: Record<string, unknown>[] } }).breakdown.counters;
  const owner = ({ user, cgroup, container, pod_uid, exited, bytes }: Record<string, unknown>): unknown => ({ user, cgroup, container, pod_uid, exited, bytes });
  assert.deepEqual(counters.map(owner), [
    { user: 'root', cgroup: POD_PATH, container: CONTAINER, pod_uid: POD, exited: undefined, bytes: 100 },
    { user: undefined, cgroup: undefined, container: undefined, pod_uid: undefined, exited: true, bytes: 200 },
    { user: undefined, cgroup: undefined, container: undefined, pod_uid: undefined, exited: undefined, bytes: 300 },
  ]);
});

test('metrics: command, user, cgroup, container and pod_uid labels, never pid; one command\'s processes are one series; the budget holds; promtool passes', async () => {
  const clock = fakeClock();
  const by = ['process', 'cgroup'] as const;
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), by, details());
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false, by, budget: { maxSeries: 2, idleSeconds: 60 } });
  const readings = [
    // Two curl processes in one cgroup: one series, their bytes summed.
    udp({ process: { pid: 300, command: 'curl', uid: 0 }, cgroup: { id: 7n } }, 1000),
    udp({ process: { pid: 310, command: 'curl', uid: 0 }, cgroup: { id: 7n } }, 500),
    udp({ process: { pid: 400, command: 'nginx', uid: 33 }, cgroup: { id: 8n } }, 900),
    // Over the budget of 2: other.
    udp({ process: { pid: 500, command: 'dig', uid: 0 }, cgroup: { id: 9n } }, 10),
    udp({ process: 'kernel', cgroup: 'kernel' }, 98),
  ];
  clock.advance(1000);
  metrics.render(sampler.sample(counterRead([], readings)), { interval: 1, demo: undefined });
  const text = await metrics.metrics();
  const lines = text.split('\n').filter((l) => l.startsWith('sockex_breakdown_bytes_total{'));
  const common = 'device="lo",direction="transmit",family="ipv4",protocol="udp"';
  assert.deepEqual(lines, [
    `sockex_breakdown_bytes_total{${common},command="curl",user="root",cgroup="${POD_PATH}",container="${CONTAINER}",pod_uid="${POD}"} 1500`,
    `sockex_breakdown_bytes_total{${common},command="nginx",user="33",cgroup="/system.slice/nginx \\"main\\".service"} 900`,
    `sockex_breakdown_bytes_total{${common},command="other",cgroup="other"} 108`,
  ]);
  assert.equal(/pid=/.test(text), false);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  assert.equal(`${check.stdout}${check.stderr}`, '', 'no warnings either');
});
