/**
 * Every scrape passes `promtool check metrics` (Prometheus's own linter of
 * the text format and its naming conventions), with and without --by and
 * --runtime-metrics, after real traffic counted by the real filter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { NetNs, requireRoot, startSockex, waitFor } from './harness.js';
import { httpGet } from './http-get.js';

const PORT = 9471;
const URL = `http://127.0.0.1:${PORT}/metrics`;

test('promtool check metrics passes on the scrape, with and without --by and --runtime-metrics', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t)) return;
  assert.equal(spawnSync('promtool', ['--version']).status, 0, 'promtool must be installed (scripts/bootstrap.sh installs prometheus)');
  const ns = NetNs.create(t, 'promtool');
  for (const extra of [[], ['--by', 'port'], ['--by', 'port,host', '--runtime-metrics'], ['--runtime-metrics']]) {
    const sockex = await startSockex(ns, ['--metrics', String(PORT), '--interval', '0.1', '--json', ...extra]);
    t.after(() => void sockex.stop().catch(() => undefined));
    ns.tool('udp', ['4', '100,200', '6600', '46600']);
    ns.tool('udp', ['6', '300']);
    ns.exec('ping', ['-4', '-c', '1', '-q', '127.0.0.1']);
    let text = '';
    // Wait for a sample with the traffic in it (and, with --by, its breakdown): 2 x (14 + 20 + 8) + 100 + 200 bytes of IPv4 UDP each way.
    const ready = extra.includes('--by') ? /^sockex_breakdown_bytes_total\{.*protocol="udp",port="6600".*\} 384$/m : /protocol="udp"\} 384$/m;
    await waitFor(() => ready.test((text = httpGet(ns, URL) ?? '')), 15_000, () => `no UDP in the scrape (${extra.join(' ')}): ${text}`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics (${extra.join(' ')}): ${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`, '', 'no warnings either');
    assert.match(text, /^process_cpu_seconds_total \d/m);
    assert.equal(/^nodejs_/m.test(text), extra.includes('--runtime-metrics'), `Node.js runtime metrics only with --runtime-metrics (${extra.join(' ')})`);
    assert.equal(/^sockex_breakdown_/m.test(text), extra.includes('--by'));
    assert.equal(await sockex.stop(), 0);
  }
});
