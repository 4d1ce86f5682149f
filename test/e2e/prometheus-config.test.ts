/**
 * examples/prometheus.yml against what examples/sockex.service serves:
 * promtool accepts it with its targets file, the targets are on the unit's
 * port, and a real Prometheus started with it (its hosts and interval
 * replaced by the test's) scrapes a sockex running the unit's arguments. The
 * PromQL in docs/fleet.md is evaluated by `promtool test rules` on series
 * shaped like sockex's and kube-state-metrics'.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { CLI, NetNs, ROOT, RunningSockex, requireRoot, waitFor } from './harness.js';
import { httpGet } from './http-get.js';
import { unitCommand } from './unit-file.js';

const EXAMPLES = `${ROOT}examples/`;
const [, ...unitArgs] = unitCommand;
const unitPort = (unitArgs[unitArgs.indexOf('--metrics') + 1] ?? '').split(':').pop();

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-prometheus-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('promtool check config accepts examples/prometheus.yml and its targets, on the port the unit serves', () => {
  const checked = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: EXAMPLES, encoding: 'utf8' });
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  assert.doesNotMatch(checked.stdout + checked.stderr, /WARNING/, 'the targets file is found');

  assert.equal(unitPort, '9469');
  const groups = parse(readFileSync(`${EXAMPLES}sockex-targets.yml`, 'utf8')) as { targets: string[] }[];
  const targets = groups.flatMap((g) => g.targets);
  assert.ok(targets.length > 0);
  for (const target of targets) assert.match(target, new RegExp(`^[^:]+:${unitPort}$`), 'each host on the unit\'s port');
});

/** The Prometheus HTTP API's answer to an instant query, inside the namespace. */
function query(ns: NetNs, promql: string): { metric: Record<string, string>; value: [number, string] }[] {
  const body = httpGet(ns, `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (body === undefined) return [];
  return (JSON.parse(body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

test('a Prometheus started with examples/prometheus.yml scrapes the unit\'s sockex', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'prom');
  const sockex = new RunningSockex(ns.spawn(process.execPath, [CLI, ...unitArgs, '--interval', '0.2']));
  t.after(() => void sockex.stop().catch(() => undefined));

  // The shipped config, with this namespace's sockex as its one host and a 1 s interval (not 15 s) to keep the test short.
  const dir = tempDir(t);
  const config = readFileSync(`${EXAMPLES}prometheus.yml`, 'utf8');
  assert.match(config, /^ {2}scrape_interval: 15s$/m);
  writeFileSync(join(dir, 'prometheus.yml'), config.replace(/^ {2}scrape_interval: 15s$/m, '  scrape_interval: 1s'));
  writeFileSync(join(dir, 'sockex-targets.yml'), `- targets: ['127.0.0.1:${unitPort}']\n`);
  const prometheus = spawn(
    'ip',
    ['netns', 'exec', ns.name, 'prometheus', `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const stopped = new Promise((resolve) => prometheus.on('exit', resolve));
  t.after(async () => {
    prometheus.kill('SIGTERM');
    await stopped;
  });

  let up: ReturnType<typeof query> = [];
  await waitFor(() => (up = query(ns, 'up{job="sockex"}')).length > 0 && up[0]?.value[1] === '1', 30_000, () => `never up: ${JSON.stringify(up)} ${log.slice(-2000)}`);
  // The relabelling: instance is the host, without the port.
  assert.deepEqual(up.map((r) => r.metric), [{ __name__: 'up', instance: '127.0.0.1', job: 'sockex' }]);

  // sockex's series under that instance, as the queries in docs/fleet.md expect them.
  let bytes: ReturnType<typeof query> = [];
  await waitFor(() => (bytes = query(ns, 'sockex_bytes_total{device="lo",direction="receive",protocol="tcp"}')).length > 0, 15_000, () => 'no sockex_bytes_total');
  assert.deepEqual(bytes[0]?.metric, { __name__: 'sockex_bytes_total', device: 'lo', direction: 'receive', family: 'ipv4', protocol: 'tcp', instance: '127.0.0.1', job: 'sockex' });
  assert.equal(await sockex.stop(), 0);
});

/** The ```promql blocks of docs/fleet.md, each as one expression. */
function documentedQueries(): string[] {
  const doc = readFileSync(`${ROOT}docs/fleet.md`, 'utf8');
  return [...doc.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

const RECEIVED = 'direction="receive",family="ipv4",job="sockex"';
/** One node, n1, as the PodMonitor labels it (node and instance), with two pods known to kube-state-metrics; values per minute. */
const SERIES = [
  { series: `sockex_bytes_total{node="n1",instance="n1",device="eth0",protocol="tcp",${RECEIVED}}`, values: '0+6000x10' },
  { series: `sockex_bytes_total{node="n1",instance="n1",device="eth0",protocol="udp",${RECEIVED}}`, values: '0+600x10' },
  { series: `sockex_bytes_total{node="n1",instance="n1",device="veth1",protocol="tcp",${RECEIVED}}`, values: '0+3000x10' },
  { series: `sockex_bytes_total{node="n1",instance="n1",device="eth0",protocol="tcp",direction="transmit",family="ipv4",job="sockex"}`, values: '0+60000x10' },
  // What the DaemonSet's --by cgroup adds: pod_uid on the breakdown.
  { series: `sockex_breakdown_bytes_total{node="n1",instance="n1",device="veth1",protocol="tcp",pod_uid="u1",${RECEIVED}}`, values: '0+1200x10' },
  { series: `sockex_breakdown_bytes_total{node="n1",instance="n1",device="veth2",protocol="tcp",pod_uid="u2",${RECEIVED}}`, values: '0+2400x10' },
  { series: 'kube_pod_info{namespace="web",pod="web-1",uid="u1",node="n1",host_network="false",job="kube-state-metrics"}', values: '1x10' },
  { series: 'kube_pod_info{namespace="data",pod="db-0",uid="u2",node="n1",host_network="false",job="kube-state-metrics"}', values: '1x10' },
];

/** What each documented query gives on SERIES, in bytes per second. */
const EXPECTED = new Map([
  [
    'sum by (instance, device, protocol) (rate(sockex_bytes_total{direction="receive"}[1m]))',
    [
      { labels: '{instance="n1",device="eth0",protocol="tcp"}', value: 100 },
      { labels: '{instance="n1",device="eth0",protocol="udp"}', value: 10 },
      { labels: '{instance="n1",device="veth1",protocol="tcp"}', value: 50 },
    ],
  ],
  [
    'sum by (node, device) (rate(sockex_bytes_total{direction="receive"}[5m]))',
    [
      { labels: '{node="n1",device="eth0"}', value: 110 },
      { labels: '{node="n1",device="veth1"}', value: 50 },
    ],
  ],
  [
    'sum by (pod_uid) (rate(sockex_breakdown_bytes_total{direction="receive"}[5m]))\n  * on (pod_uid) group_left (namespace, pod)\n    label_replace(kube_pod_info, "pod_uid", "$1", "uid", "(.+)")',
    [
      { labels: '{pod_uid="u1",namespace="web",pod="web-1"}', value: 20 },
      { labels: '{pod_uid="u2",namespace="data",pod="db-0"}', value: 40 },
    ],
  ],
]);

test('the PromQL in docs/fleet.md gives the expected answers (promtool test rules)', (t) => {
  const queries = documentedQueries();
  assert.deepEqual(queries, [...EXPECTED.keys()], 'docs/fleet.md holds exactly the queries this test evaluates');
  const dir = tempDir(t);
  const tests = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: SERIES,
        promql_expr_test: [...EXPECTED].map(([expr, samples]) => ({ expr, eval_time: '10m', exp_samples: samples })),
      },
    ],
  };
  writeFileSync(join(dir, 'queries.yml'), JSON.stringify(tests, null, 2));
  const result = spawnSync('promtool', ['test', 'rules', 'queries.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /SUCCESS/);
});
