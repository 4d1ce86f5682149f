/**
 * The soak run (bench/soak.ts), shortened for CI: 20 s of loopback UDP
 * flood at a 1 s interval. Every sample arrives, the final tx count equals
 * what was sent, resident memory does not run away.
 * Then the -i any metrics service over 1,000 veth interfaces for 15 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAnySoak, runSoak } from '../../bench/soak.js';
import { udp4Frame } from './frames.js';
import { requireRoot } from './harness.js';

/** Growth allowed over the short run: GC timing, not a leak, lives below this. */
const RSS_GROWTH_LIMIT_KIB = 32 * 1024;

test('soak, shortened: 20 s of loopback flood, every sample, exact final counts, flat memory', async (t) => {
  if (!requireRoot(t)) return;
  const result = await runSoak({ seconds: 20, rate: 5000, payload: 64, interval: 1 });
  t.diagnostic(JSON.stringify(result));
  assert.deepEqual(result.problems, []);
  assert.equal(result.txPackets, result.sent);
  assert.equal(result.txBytes, result.sent * udp4Frame(64));
  assert.ok(result.sent > 0);
  assert.ok(result.samples >= 20, `${result.samples} samples`);
  assert.ok(result.rssEndKiB - result.rssStartKiB < RSS_GROWTH_LIMIT_KIB, `RSS ${result.rssStartKiB} -> ${result.rssEndKiB} KiB`);
});

test('soak, -i any: the metrics service over 1,000 interfaces, counters changing, scrapes coming, flat memory, exact counts', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const result = await runAnySoak({ seconds: 15, pairs: 500, busyPairs: 50 });
  t.diagnostic(JSON.stringify(result));
  assert.deepEqual(result.problems, []);
  assert.equal(result.udpTxPackets, result.framesSent);
  assert.ok(result.udpRxPackets <= result.framesSent);
  assert.ok(result.framesSent >= 500 * 2 + 15 * 50 * 2, `${result.framesSent} frames`);
  assert.ok(result.counters >= 500 * 4, `${result.counters} counters`);
  assert.ok(result.rssEndKiB - result.rssStartKiB < RSS_GROWTH_LIMIT_KIB, `RSS ${result.rssStartKiB} -> ${result.rssEndKiB} KiB`);
});
