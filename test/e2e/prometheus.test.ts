/**
 * --metrics end to end: a real Prometheus server scrapes the real sockex
 * every second, both inside a fresh network namespace; known UDP and ICMP
 * traffic must show up in Prometheus's query API as exactly the bytes sent.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { VERSION } from '../../src/cli.js';
import { PING4_FRAME, udp4Frame, udp6Frame } from './frames.js';
import { CLI, NetNs, RunningSockex, requireRoot, startSockex, waitFor } from './harness.js';
import { httpGet } from './http-get.js';

const SOCKEX_PORT = 9469;
const PROMETHEUS_PORT = 9090;

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

function query(ns: NetNs, promql: string): Series[] | undefined {
  const body = httpGet(ns, `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (body === undefined) return undefined;
  const answer = JSON.parse(body) as { status: string; data: { result: Series[] } };
  return answer.status === 'success' ? answer.data.result : undefined;
}

/** The series as "device/direction/family/protocol" -> value, to compare whole. */
function byLabels(series: Series[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of series) {
    const m = s.metric;
    out[`${m.device}/${m.direction}/${m.family}/${m.protocol}`] = Number(s.value[1]);
  }
  return sortKeys(out);
}

function startPrometheus(t: TestContext, ns: NetNs): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: sockex',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${SOCKEX_PORT}']`,
      '',
    ].join('\n'),
  );
  const prometheus = ns.spawn('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
  ]);
  let log = '';
  prometheus.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  prometheus.stdout?.resume();
  t.after(() => {
    prometheus.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  prometheus.on('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`prometheus exited ${code}: ${log}\n`);
  });
  return prometheus;
}

test('Prometheus scrapes sockex and sees exactly the UDP and ICMP bytes sent', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t)) return;
  assert.equal(spawnSync('prometheus', ['--version']).status, 0, 'prometheus must be installed (scripts/bootstrap.sh test installs it)');
  const ns = NetNs.create(t, 'prom');
  const sockex = await startSockex(ns, ['--metrics', `127.0.0.1:${SOCKEX_PORT}`, '--json', '--interval', '0.2']);
  t.after(() => void sockex.stop().catch(() => undefined));
  assert.match(sockex.stderr, new RegExp(`serving metrics on http://127\\.0\\.0\\.1:${SOCKEX_PORT}/metrics`));
  startPrometheus(t, ns);

  const udp4 = [100, 250, 1000];
  const udp6 = [64, 500];
  ns.tool('udp', ['4', udp4.join(',')]);
  ns.tool('udp', ['6', udp6.join(',')]);
  ns.exec('ping', ['-4', '-c', '3', '-i', '0.2', '-q', '127.0.0.1']);

  // Each frame is seen once leaving lo and once arriving: the same on both sides.
  const udp4Bytes = udp4.reduce((sum, p) => sum + udp4Frame(p), 0); // 1476
  const udp6Bytes = udp6.reduce((sum, p) => sum + udp6Frame(p), 0); // 688
  const icmpBytes = 6 * PING4_FRAME; // 3 requests + 3 replies, 98 bytes each: 588
  const expectedBytes = {
    'lo/transmit/ipv4/udp': udp4Bytes,
    'lo/receive/ipv4/udp': udp4Bytes,
    'lo/transmit/ipv6/udp': udp6Bytes,
    'lo/receive/ipv6/udp': udp6Bytes,
    'lo/transmit/ipv4/icmp': icmpBytes,
    'lo/receive/ipv4/icmp': icmpBytes,
  };
  const expectedPackets = {
    'lo/transmit/ipv4/udp': 3,
    'lo/receive/ipv4/udp': 3,
    'lo/transmit/ipv6/udp': 2,
    'lo/receive/ipv6/udp': 2,
    'lo/transmit/ipv4/icmp': 6,
    'lo/receive/ipv4/icmp': 6,
  };
  assert.deepEqual([udp4Bytes, udp6Bytes, icmpBytes], [1476, 688, 588]);

  // Prometheus needs a scrape after the traffic: poll its API until it has one.
  let bytes: Record<string, number> = {};
  await waitFor(
    () => {
      bytes = byLabels(query(ns, 'sockex_bytes_total{job="sockex",protocol=~"udp|icmp"}') ?? []);
      return JSON.stringify(bytes) === JSON.stringify(sortKeys(expectedBytes));
    },
    45_000,
    () => `Prometheus never saw the bytes sent: ${JSON.stringify(bytes)}; sockex: ${sockex.stderr}`,
  );
  assert.deepEqual(bytes, expectedBytes);
  assert.deepEqual(byLabels(query(ns, 'sockex_packets_total{job="sockex",protocol=~"udp|icmp"}') ?? []), expectedPackets);

  const info = query(ns, 'sockex_build_info{job="sockex"}') ?? [];
  assert.deepEqual(info.map((s) => [s.metric.version, s.value[1]]), [[VERSION, '1']]);
  assert.equal(query(ns, 'process_cpu_seconds_total{job="sockex"}')?.length, 1, 'the default process metrics are scraped too');

  // SIGTERM while Prometheus holds a keep-alive connection: sockex still exits at once.
  assert.equal(await sockex.stop(), 0);
  assert.equal(httpGet(ns, `http://127.0.0.1:${SOCKEX_PORT}/metrics`), undefined, 'the metrics port is closed after exit');
});

test('--quiet --metrics runs headless: nothing on stdout, metrics served', { timeout: 30_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'quiet');
  const sockex = new RunningSockex(ns.spawn(process.execPath, [CLI, '--quiet', '--metrics', String(SOCKEX_PORT), '--interval', '0.1']));
  t.after(() => void sockex.stop().catch(() => undefined));

  // Headless, so no status line says when the filter is attached: the TCP
  // of our own scrapes, counted on lo, says it instead.
  let text = '';
  await waitFor(
    () => (text = httpGet(ns, `http://127.0.0.1:${SOCKEX_PORT}/metrics`) ?? '').includes('protocol="tcp"'),
    15_000,
    () => `sockex never counted on lo: ${text}; stderr: ${sockex.stderr}`,
  );
  ns.tool('udp', ['4', '10,20']);
  const expected = udp4Frame(10) + udp4Frame(20); // 114 each way
  await waitFor(
    () => {
      text = httpGet(ns, `http://127.0.0.1:${SOCKEX_PORT}/metrics`) ?? '';
      return text.includes(`sockex_bytes_total{device="lo",direction="receive",family="ipv4",protocol="udp"} ${expected}`);
    },
    15_000,
    () => `metrics never showed the UDP bytes: ${text}; stderr: ${sockex.stderr}`,
  );
  assert.ok(text.includes(`sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} ${expected}`));
  assert.ok(text.includes('sockex_packets_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 2'));
  assert.equal(await sockex.stop(), 0);
  assert.equal(sockex.stdout, '', 'headless: no output on stdout');
  assert.equal(sockex.stderr, '', 'quiet: no status messages');
});

test('a metrics port in use, or a bad address, is one clear line and a non-zero exit', { timeout: 30_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'busy');
  const first = await startSockex(ns, ['--metrics', String(SOCKEX_PORT), '--json']);
  t.after(() => void first.stop().catch(() => undefined));

  const second = new RunningSockex(ns.spawn(process.execPath, [CLI, '--metrics', `127.0.0.1:${SOCKEX_PORT}`, '--json']));
  assert.equal(await second.exit(), 8);
  assert.equal(second.stdout, '');
  assert.match(second.stderr, new RegExp(`^sockex: cannot serve metrics on 127\\.0\\.0\\.1:${SOCKEX_PORT}: the port is already in use; choose another with --metrics.*\\n$`));

  const bad = new RunningSockex(ns.spawn(process.execPath, [CLI, '--metrics', ':9100']));
  assert.equal(await bad.exit(), 2);
  assert.match(bad.stderr, /^sockex: --metrics needs a host before ":".*e\.g\. --metrics 9469.*\n$/);

  // The first one is untouched and still serving.
  assert.ok(httpGet(ns, `http://127.0.0.1:${SOCKEX_PORT}/metrics`)?.includes('sockex_build_info'));
  assert.equal(await first.stop(), 0);
});

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

test('--by port --max-series 20: Prometheus scrapes 20 port series, plus other, and their sums are the UDP totals', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'promby');
  const sockex = await startSockex(ns, ['--metrics', `127.0.0.1:${SOCKEX_PORT}`, '--json', '--interval', '0.2', '--by', 'port', '--max-series', '20']);
  t.after(() => void sockex.stop().catch(() => undefined));
  startPrometheus(t, ns);
  // 15 flows to 15 server ports, each seen tx and rx: 30 port keys (and the scrapes' TCP) for 20 places.
  const sizes = Array.from({ length: 15 }, (_, i) => 30 + i);
  sizes.forEach((size, i) => ns.tool('udp', ['4', String(size), String(6500 + i), String(46500 + i)]));
  const total = sizes.reduce((sum, size) => sum + udp4Frame(size), 0);
  let sums: Record<string, number> = {};
  await waitFor(
    () => {
      const series = query(ns, 'sum by (direction) (sockex_breakdown_bytes_total{job="sockex",protocol="udp"})') ?? [];
      sums = Object.fromEntries(series.map((s) => [s.metric.direction, Number(s.value[1])]));
      return sums.transmit === total && sums.receive === total;
    },
    45_000,
    () => `Prometheus never saw the UDP breakdown add up to ${total}: ${JSON.stringify(sums)}`,
  );
  const own = query(ns, 'count(sockex_breakdown_bytes_total{job="sockex",port!="other"})') ?? [];
  assert.equal(own[0]?.value[1], '20', 'twenty port series of their own (none idle long enough to give its place up)');
  // One other per direction and protocol (the scrapes' own TCP may have one too).
  const other = query(ns, 'count by (direction) (sockex_breakdown_bytes_total{job="sockex",protocol="udp",port="other"})') ?? [];
  assert.deepEqual(other.map((s) => s.value[1]), ['1', '1'], 'one UDP other series per direction');
  assert.deepEqual(byLabels(query(ns, 'sockex_bytes_total{job="sockex",protocol="udp"}') ?? []), sortKeys({ 'lo/transmit/ipv4/udp': total, 'lo/receive/ipv4/udp': total }));
  assert.equal((query(ns, 'sockex_bytes_total{job="sockex",port!=""}') ?? []).length, 0, 'no port label on the protocol metrics');
  assert.equal(await sockex.stop(), 0);
});
