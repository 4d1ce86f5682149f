/**
 * The soak run (bench/soak.ts), shortened for CI: 20 s of loopback UDP
 * flood at a 1 s interval. Every sample arrives, the final tx count equals
 * what was sent, resident memory does not run away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak.js';
import { requireRoot } from './harness.js';

/** Growth allowed over the short run: GC timing, not a leak, lives below this. */
const RSS_GROWTH_LIMIT_KIB = 32 * 1024;

test('soak, shortened: 20 s of loopback flood, every sample, exact final counts, flat memory', async (t) => {
  if (!requireRoot(t)) return;
  const result = await runSoak({ seconds: 20, rate: 5000, payload: 64, interval: 1 });
  t.diagnostic(JSON.stringify(result));
  assert.deepEqual(result.problems, []);
  assert.equal(result.txPackets, result.sent);
  assert.equal(result.txBytes, result.sent * (14 + 20 + 8 + 64));
  assert.ok(result.sent > 0);
  assert.ok(result.samples >= 20, `${result.samples} samples`);
  assert.ok(result.rssEndKiB - result.rssStartKiB < RSS_GROWTH_LIMIT_KIB, `RSS ${result.rssStartKiB} -> ${result.rssEndKiB} KiB`);
});
