/**
 * Golden outputs: fixed readings in (several samples, many counters, -i any
 * style with a reused name, an odd name, the overflow counters, counts past
 * 2^53), the exact JSON lines and Prometheus text out. Whatever the sampler
 * and the renderers do inside, what users see stays byte for byte the same.
 *
 * After a change that is meant to alter the output, rewrite the files with
 * SOCKEX_GOLDEN_UPDATE=1 node --test dist/test/unit/golden-outputs.test.js
 * and read the diff.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Reading } from '../../src/model/counters.js';
import { counterRead } from '../../src/model/counter-read.js';
import { Sampler } from '../../src/model/sampler.js';
import { fakeClock } from './fake-clock.js';
import { renderJson } from '../../src/render/json.js';
import { createPrometheusRenderer } from '../../src/render/prometheus.js';

const GOLDEN = fileURLToPath(new URL('../../../test/unit/golden/', import.meta.url));
const P53 = 2n ** 53n;


/** The readings of sample number `round` (0, 1, 2): counts grow, new counters appear, order is shuffled. */
function readings(round: number): Reading[] {
  const out: Reading[] = [];
  const add = (r: Reading): void => void out.push(r);
  const grow = (base: bigint): bigint => base * BigInt(round + 1);
  for (let i = 0; i < 40; i++) {
    const name = `veth${i}`;
    const ifindex = 10 + i;
    add({ interface: name, ifindex, direction: 'rx', family: 'ipv6', protocol: 58, bytes: grow(86n + BigInt(i)), packets: grow(1n) });
    add({ interface: name, ifindex, direction: 'tx', family: 'ipv6', protocol: 58, bytes: grow(70n), packets: grow(1n) });
    if (i % 3 === 0) add({ interface: name, ifindex, direction: 'tx', family: 'other', protocol: 0x0806, bytes: grow(42n), packets: grow(1n) });
    if (round > 0 && i % 7 === 0) add({ interface: name, ifindex, direction: 'rx', family: 'ipv4', protocol: 6, bytes: grow(1500n), packets: grow(3n) });
  }
  // Counts past 2^53: exact in JSON, rounded to float64 in the metrics.
  add({ interface: 'eth0', ifindex: 2, direction: 'rx', family: 'ipv4', protocol: 17, bytes: P53 + 1n + BigInt(round) * 3n, packets: P53 - 1n + BigInt(round) });
  add({ interface: 'eth0', ifindex: 2, direction: 'tx', family: 'ipv4', protocol: 17, bytes: 2n ** 64n - 1n - BigInt(2 - round), packets: 12345678901234567n });
  add({ interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 1, bytes: grow(588n), packets: grow(6n) });
  add({ interface: 'lo', ifindex: 1, direction: 'rx', family: 'ipv4', protocol: 1, bytes: grow(588n), packets: grow(6n) });
  add({ interface: 'lo', ifindex: 1, direction: 'rx', family: 'ipv4', protocol: 253, bytes: grow(60n), packets: grow(1n) });
  add({ interface: 'lo', ifindex: 1, direction: 'rx', family: 'other', protocol: 0x88b5, bytes: grow(64n), packets: grow(1n) });
  // A name reused by a second interface (deleted and created again): two counters, one label set.
  add({ interface: 'wg0', ifindex: 7, direction: 'rx', family: 'ipv4', protocol: 17, bytes: 1000n, packets: 10n });
  add({ interface: 'wg0', ifindex: 9, direction: 'rx', family: 'ipv4', protocol: 17, bytes: grow(500n), packets: grow(5n) });
  // A name with characters JSON and the exposition format escape.
  add({ interface: 'we"ird\\x', ifindex: 3, direction: 'tx', family: 'ipv6', protocol: 6, bytes: grow(74n), packets: grow(1n) });
  // Frames the kernel could not attribute (a full table).
  add({ interface: 'any', ifindex: 0, direction: 'rx', family: 'other', protocol: 0x10000, bytes: grow(128n), packets: grow(2n) });
  // Sorted input would hide a sampler that forgets to sort.
  return round % 2 === 0 ? out.reverse() : out;
}

async function outputs(): Promise<{ json: string; metrics: string[] }> {
  const clock = fakeClock(5000, Date.UTC(2026, 11, 2, 4, 0, 0));
  const sampler = new Sampler(['any'], clock);
  const prometheus = createPrometheusRenderer({ version: '1.2.3', processMetrics: false });
  let json = '';
  const metrics: string[] = [];
  for (let round = 0; round < 3; round++) {
    clock.advance(round === 0 ? 3 : 1000);
    const snapshot = sampler.sample(counterRead(readings(round)));
    json += renderJson(snapshot);
    prometheus.render(snapshot, { interval: 1, demo: undefined });
    metrics.push(await prometheus.metrics());
  }
  prometheus.close();
  return { json, metrics };
}

function golden(file: string, actual: string): void {
  const path = `${GOLDEN}${file}`;
  if (process.env.SOCKEX_GOLDEN_UPDATE === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs from the golden file`);
}

test('JSON lines of three samples are exactly the golden ones', async () => {
  golden('samples.ndjson', (await outputs()).json);
});

test('the Prometheus text after each of three samples is exactly the golden one', async () => {
  const { metrics } = await outputs();
  metrics.forEach((text, i) => golden(`metrics-${i + 1}.prom`, text));
});
