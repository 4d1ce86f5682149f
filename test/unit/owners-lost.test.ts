/**
 * The owners_lost table in the outputs, from made-up reads through the real
 * sampler: absent while nothing was lost, then the JSON field, the metric
 * family (promtool passes), the dashboard's note and one warning per table;
 * the sizes the texts name are bpf/owner.h's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { OWNER_LAYOUT } from '../../src/kernel/who/layout.js';
import type { BreakdownReading, OwnersLost } from '../../src/model/breakdown.js';
import { sampleWithBreakdown } from '../../src/model/breakdown-sampler.js';
import { counterRead, joinReads } from '../../src/model/counter-read.js';
import { ownersLostNote, ownersLostWarnings } from '../../src/model/owners-lost.js';
import { Sampler } from '../../src/model/sampler.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderJson } from '../../src/render/json.js';
import { createPrometheusRenderer } from '../../src/render/prometheus.js';
import { initialState, withSnapshot } from '../../src/render/tui/dashboard-state.js';
import { headerLines } from '../../src/render/tui/header-view.js';
import { lineText } from '../../src/render/tui/screen-lines.js';
import { fakeClock } from './fake-clock.js';

const NONE_PART: BreakdownReading = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, process: 'none', bytes: 50n, packets: 1n };

function sampleOf(lost: OwnersLost | undefined): Snapshot {
  const sampler = sampleWithBreakdown(new Sampler(['lo'], fakeClock()), ['process']);
  return sampler.sample(counterRead([], [NONE_PART], lost));
}

test('the snapshot carries owners_lost only once something was lost; JSON says it on the sample', () => {
  for (const lost of [undefined, { flows: 0, bound: 0 }]) {
    const snapshot = sampleOf(lost);
    assert.equal(snapshot.breakdown?.ownersLost, undefined);
    assert.equal('owners_lost' in (JSON.parse(renderJson(snapshot)) as object), false);
  }
  const snapshot = sampleOf({ flows: 2466, bound: 1 });
  assert.deepEqual(snapshot.breakdown?.ownersLost, { flows: 2466, bound: 1 });
  assert.deepEqual((JSON.parse(renderJson(snapshot)) as { owners_lost: unknown }).owners_lost, { flows: 2466, bound: 1 });
});

test('joined reads (several interfaces, one set of hooks) carry the table once, not summed', () => {
  const join = joinReads();
  const lost = { flows: 3, bound: 0 };
  const joined = join([counterRead([], [], lost), counterRead([], [], lost)]);
  assert.deepEqual(joined.ownersLost, lost);
  assert.equal(join([counterRead([]), counterRead([])]).ownersLost, undefined);
});

test('metrics: sockex_owners_lost_total per table with --by process (0 until lost), none with --by port; promtool passes', async () => {
  const owners = createPrometheusRenderer({ version: '1.0.0', processMetrics: false, by: ['process'] });
  owners.render(sampleOf(undefined), { interval: 1, demo: undefined });
  const zero = await owners.metrics();
  assert.match(zero, /^sockex_owners_lost_total\{table="flows"\} 0$/m);
  assert.match(zero, /^sockex_owners_lost_total\{table="bound"\} 0$/m);
  assert.match(zero, /^# HELP sockex_owners_lost_total Inserts into an owner table that found it full since start, not distinct flows or ports: /m);
  assert.match(zero, /^# HELP sockex_owners_lost_total .*fixed at build \(65536 flow entries: 32768 flows; 16384 ports; bpf\/owner\.h\)/m);
  owners.render(sampleOf({ flows: 7, bound: 2 }), { interval: 1, demo: undefined });
  const text = await owners.metrics();
  assert.match(text, /^sockex_owners_lost_total\{table="flows"\} 7$/m);
  assert.match(text, /^sockex_owners_lost_total\{table="bound"\} 2$/m);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  const ports = createPrometheusRenderer({ version: '1.0.0', processMetrics: false, by: ['port'] });
  ports.render(sampleOf(undefined), { interval: 1, demo: undefined });
  assert.doesNotMatch(await ports.metrics(), /sockex_owners_lost_total/);
});

test('the dashboard header notes the failed owner inserts by table; nothing while none failed', () => {
  const header = (snapshot: Snapshot): string => headerLines(withSnapshot(initialState(), snapshot, { interval: 1, demo: undefined }), 120).map(lineText).join('\n');
  assert.doesNotMatch(header(sampleOf(undefined)), /owner inserts/);
  assert.match(header(sampleOf({ flows: 12, bound: 0 })), / owner inserts failed: flows 12 /);
  assert.equal(ownersLostNote({ flows: 12, bound: 3 }), 'owner inserts failed: flows 12, bound 3');
});

test('one warning per table, when its count first grows from zero; the sizes named are bpf/owner.h\'s', () => {
  assert.deepEqual(ownersLostWarnings(undefined, undefined), []);
  const first = ownersLostWarnings(undefined, { flows: 5, bound: 0 });
  assert.equal(first.length, 1);
  assert.match(first[0]!, /^sockex: the owner table "flows" is full \(65,536 entries: 32,768 flows, each filed twice; fixed at build\): 5 inserts failed so far \(a flow tries both its entries at each frame it sends until recorded\)/);
  assert.deepEqual(ownersLostWarnings({ flows: 5, bound: 0 }, { flows: 9, bound: 0 }), []);
  const bound = ownersLostWarnings({ flows: 5, bound: 0 }, { flows: 9, bound: 1 });
  assert.equal(bound.length, 1);
  assert.match(bound[0]!, /"bound" is full \(16,384 bound ports; fixed at build\): 1 insert failed so far \(a socket tries its port as it binds\)/);
  assert.equal(OWNER_LAYOUT.SOCKEX_FLOWS_MAX.toLocaleString('en-US'), '65,536');
  assert.equal((OWNER_LAYOUT.SOCKEX_FLOWS_MAX / 2).toLocaleString('en-US'), '32,768');
  assert.equal(OWNER_LAYOUT.SOCKEX_BOUND_MAX.toLocaleString('en-US'), '16,384');
});
