/**
 * Owners (--by process, user, cgroup) in the outputs, from made-up readings
 * through the real sampler and details step: the JSON fields user space
 * adds, and the metrics' owner labels (never pid) within the series budget,
 * checked by promtool.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // 8 and 18: nginx's service before and after a restart (a new cgroup at the same path).
    cgroups: { paths: () => new Map([[7n, POD_PATH], [8n, '/system.slice/nginx "main".service'], [18n, '/system.slice/nginx "main".service']]) },
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

test('metrics: command, user, cgroup, container and pod_uid labels, never pid; one command\'s processes (and one path\'s cgroups) are one series; the budget holds; promtool passes', async () => {
  const clock = fakeClock();
  const by = ['process', 'cgroup'] as const;
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), by, details());
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false, by, budget: { maxSeries: 2, idleSeconds: 60 } });
  const readings = [
    // Two curl processes in one cgroup: one series, their bytes summed.
    udp({ process: { pid: 300, command: 'curl', uid: 0 }, cgroup: { id: 7n } }, 1000),
    udp({ process: { pid: 310, command: 'curl', uid: 0 }, cgroup: { id: 7n } }, 500),
    udp({ process: { pid: 400, command: 'nginx', uid: 33 }, cgroup: { id: 8n } }, 600),
    udp({ process: { pid: 410, command: 'nginx', uid: 33 }, cgroup: { id: 18n } }, 300),
    // Over the budget of 2: other (9: a cgroup gone before its path was looked up).
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

test('metrics: a cgroup whose path is gone is labelled by its id; --by user alone labels the user', async () => {
  const clock = fakeClock();
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), ['cgroup'], details());
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false, by: ['cgroup'] });
  clock.advance(1000);
  metrics.render(sampler.sample(counterRead([], [udp({ cgroup: { id: 9n } }, 10)])), { interval: 1, demo: undefined });
  assert.match(await metrics.metrics(), /^sockex_breakdown_bytes_total\{[^}]*,cgroup="9"\} 10$/m);
  const users = createPrometheusRenderer({ version: '0', processMetrics: false, by: ['user'] });
  const byUser = sampleWithBreakdown(new Sampler(['lo'], clock), ['user'], details());
  clock.advance(1000);
  users.render(byUser.sample(counterRead([], [{ ...udp({}, 20), user: { uid: 0 } }, { ...udp({}, 30), user: 'kernel' }])), { interval: 1, demo: undefined });
  const lines = (await users.metrics()).split('\n').filter((l) => l.startsWith('sockex_breakdown_bytes_total{'));
  assert.deepEqual(lines.map((l) => l.replace(/^.*protocol="udp",/, '')), ['user="root"} 20', 'user="kernel"} 30']);
});

test('docs/breakdown.md: the pod names query joins sockex\'s pod_uid label with kube_pod_info (promtool test rules)', async (t) => {
  const doc = readFileSync(new URL('../../../docs/breakdown.md', import.meta.url), 'utf8');
  const query = [...doc.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim()).find((q) => q.includes('kube_pod_info'));
  assert.ok(query, 'docs/breakdown.md shows the kube_pod_info join');
  // The labels as sockex writes them, for a received part of a pod's container and of a service.
  const clock = fakeClock();
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), ['cgroup'], details());
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false, by: ['cgroup'] });
  clock.advance(1000);
  const rx = (id: bigint): BreakdownReading => ({ ...udp({ cgroup: { id } }, 1), direction: 'rx' });
  metrics.render(sampler.sample(counterRead([], [rx(7n), rx(8n)])), { interval: 1, demo: undefined });
  const series = (await metrics.metrics()).split('\n').filter((l) => l.startsWith('sockex_breakdown_bytes_total{')).map((l) => l.replace(/ \d+$/, ''));
  assert.equal(series.length, 2);
  const input = [
    // 1200 B/min for the pod's container, 600 B/min for nginx (no pod: not in the answer).
    ...series.map((s) => ({ series: s, values: s.includes('pod_uid') ? '0+1200x10' : '0+600x10' })),
    { series: `kube_pod_info{namespace="web",pod="web-1",uid="${POD}",node="n1",job="kube-state-metrics"}`, values: '1x10' },
    { series: 'kube_pod_info{namespace="db",pod="db-0",uid="0000",node="n1",job="kube-state-metrics"}', values: '1x10' },
  ];
  const expected = [{ expr: query, eval_time: '10m', exp_samples: [{ labels: `{pod_uid="${POD}",namespace="web",pod="web-1"}`, value: 20 }] }];
  const dir = mkdtempSync(join(tmpdir(), 'sockex-pods-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'queries.yml'), JSON.stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: input, promql_expr_test: expected }] }));
  const result = spawnSync('promtool', ['test', 'rules', 'queries.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
