/**
 * The series budget end to end (the case): 30 one-packet UDP probes
 * to distinct ports fill the budget, then, once they are idle, a large
 * transfer to a new port shows under its own port, to the byte; "other"
 * never goes down on the way. And the PromQL docs/breakdown.md shows, on
 * series the budget made.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BreakdownReading } from '../../src/model/breakdown.js';
import { SeriesBudget } from '../../src/model/series-budget.js';
import { NetNs, ROOT, requireRoot, startSockex, waitFor } from './harness.js';
import { httpGet } from './http-get.js';

const PORT = 9472;
const URL = `http://127.0.0.1:${PORT}/metrics`;
/** Ethernet + IPv4 + UDP headers on lo. */
const UDP4_OVERHEAD = 14 + 20 + 8;

/** The UDP breakdown series of a scrape: "transmit/PORT" -> bytes. */
function udpSeries(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^sockex_breakdown_bytes_total\{device="lo",direction="(\w+)",family="ipv4",protocol="udp",port="(\w+)"\} (\d+)$/gm)) {
    out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  }
  return out;
}

test('after 30 one-packet probes fill the budget, a large transfer to a new port gets its own series once they are idle', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'budget');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.1', '--by', 'port', '--metrics', String(PORT), '--max-series', '10', '--series-idle', '1']);
  t.after(() => void sockex.stop().catch(() => undefined));

  let text = '';
  let others: number[] = [];
  /** Scrape, and check that UDP's other series never went down since the last scrape. */
  const scrape = (): Map<string, number> => {
    text = httpGet(ns, URL) ?? '';
    const series = udpSeries(text);
    const other = (series.get('transmit/other') ?? 0) + (series.get('receive/other') ?? 0);
    assert.ok(other >= (others.at(-1) ?? 0), `other went down: ${others.join(', ')}, then ${other}`);
    others = [...others, other];
    return series;
  };

  // 30 probes from one socket within milliseconds, each one 20-byte datagram to its own port, seen
  // tx and rx: 60 keys for 10 places. Nothing else has been sent, so the first 10 keys take the
  // places and the other 50 are counted as other.
  const probe = UDP4_OVERHEAD + 20;
  ns.tool('udp-probes', ['30', '7000', '20']);
  const probesInOther = 50 * probe;
  const otherSum = (series: Map<string, number>): number => (series.get('transmit/other') ?? 0) + (series.get('receive/other') ?? 0);
  await waitFor(() => otherSum(scrape()) === probesInOther, 20_000, () => `other never held the ${probesInOther} bytes of 50 probe keys: ${text}`);

  // Idle for a second, the probes give their places up (their series end).
  await waitFor(() => [...scrape().keys()].every((k) => k.endsWith('/other')), 20_000, () => `the idle probes kept their series: ${text}`);

  // The transfer: 40 datagrams of 60,000 bytes to a port never seen (one frame each on lo, MTU 65536).
  const sizes = Array.from({ length: 40 }, () => 60_000);
  ns.tool('udp', ['4', sizes.join(','), '9999', '49999']);
  const transfer = sizes.reduce((s, size) => s + UDP4_OVERHEAD + size, 0);
  await waitFor(
    () => {
      const series = scrape();
      return series.get('transmit/9999') === transfer && series.get('receive/9999') === transfer;
    },
    20_000,
    () => `the transfer never showed under port 9999 with ${transfer} bytes each way: ${text}`,
  );
  // Everything UDP carried is in a series: the transfer's own, other (the 50 probe keys), and the 10 probes' ended ones.
  assert.deepEqual([...udpSeries(text).keys()].sort(), ['receive/9999', 'receive/other', 'transmit/9999', 'transmit/other']);
  assert.equal(otherSum(udpSeries(text)), probesInOther);
  assert.equal(await sockex.stop(), 0);
});

/** The ```promql blocks of docs/breakdown.md, each as one expression. */
function documentedQueries(): string[] {
  const doc = readFileSync(`${ROOT}docs/breakdown.md`, 'utf8');
  return [...doc.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

test('the PromQL of docs/breakdown.md, on the series the budget made while a key idled out and another took its place (promtool test rules)', (t) => {
  // One sample a minute, one place, idle after 2 minutes: 443 sends 600 B/min for 4 minutes and
  // stops; 8080 starts at minute 3 (into other, no place free) and gets 443's place at minute 6;
  // 53 sends 60 B/min throughout, always in other.
  const budget = new SeriesBudget({ maxSeries: 1, idleSeconds: 120 });
  const totals = new Map<number, number>();
  const values = new Map<string, string[]>();
  const protocol: string[] = [];
  const MINUTES = 20;
  for (let minute = 0; minute <= MINUTES; minute++) {
    const add = (port: number, bytes: number): void => void totals.set(port, (totals.get(port) ?? 0) + bytes);
    if (minute >= 1 && minute <= 4) add(443, 600);
    if (minute >= 3) add(8080, 1200);
    if (minute >= 1) add(53, 60);
    const readings = [...totals].map(([port, bytes]): BreakdownReading => ({
      interface: 'eth0', ifindex: 2, direction: 'rx', family: 'ipv4', protocol: 17, port, bytes: BigInt(bytes), packets: 1n,
    }));
    const exported = new Map(budget.fold(readings, minute * 60).map((s) => [String(s.key.port), String(s.bytes)]));
    for (const port of exported.keys()) if (!values.has(port)) values.set(port, Array<string>(minute).fill('_'));
    // A series gone from a scrape is marked stale by Prometheus, then has no samples.
    for (const [port, list] of values) list.push(exported.get(port) ?? (list.at(-1) === '_' || list.at(-1) === 'stale' ? '_' : 'stale'));
    protocol.push(String([...totals.values()].reduce((a, b) => a + b, 0)));
  }
  assert.deepEqual([...values.keys()].sort(), ['443', '8080', 'other'], 'series: 443 (ended), 8080 (promoted), other');
  assert.equal(values.get('443')?.[6], 'stale', '443 idled out at minute 6');
  const labels = 'device="eth0",direction="receive",family="ipv4",protocol="udp"';
  const inputSeries = [
    ...[...values].map(([port, list]) => ({ series: `sockex_breakdown_bytes_total{${labels},port="${port}"}`, values: list.join(' ') })),
    { series: `sockex_bytes_total{${labels}}`, values: protocol.join(' ') },
  ];
  const [perPort, otherShare] = documentedQueries();
  assert.ok(perPort && otherShare, 'docs/breakdown.md shows two queries');
  // At 20 minutes the last 5 are steady: 8080 has 1200 B/min, other 53's 60 B/min.
  const expected = [
    { expr: perPort, eval_time: `${MINUTES}m`, exp_samples: [{ labels: '{device="eth0",port="8080"}', value: 20 }, { labels: '{device="eth0",port="other"}', value: 1 }] },
    { expr: otherShare, eval_time: `${MINUTES}m`, exp_samples: [{ labels: '{}', value: 1 / 21 }] },
    // The sum of the breakdown's rates is the protocol's rate.
    { expr: 'sum(rate(sockex_breakdown_bytes_total[5m])) - sum(rate(sockex_bytes_total[5m]))', eval_time: `${MINUTES}m`, exp_samples: [{ labels: '{}', value: 0 }] },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'sockex-budget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'queries.yml'), JSON.stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: expected }] }, null, 2));
  const result = spawnSync('promtool', ['test', 'rules', 'queries.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /SUCCESS/);
});
