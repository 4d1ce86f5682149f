/**
 * The breakdown's series budget (--max-series, --series-idle): places held
 * while active, released when idle, given to the busiest keys in "other";
 * every series monotonic, every byte in exactly one series; gone devices
 * forgotten after the grace period. Time is elapsed seconds, moved by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakdownReading } from '../../src/model/breakdown.js';
import { sampleWithBreakdown } from '../../src/model/breakdown-sampler.js';
import { Sampler } from '../../src/model/sampler.js';
import { counterRead } from '../../src/model/counter-read.js';
import { SeriesBudget, type BudgetSeries } from '../../src/model/series-budget.js';
import { createPrometheusRenderer } from '../../src/render/prometheus.js';
import { fakeClock } from './fake-clock.js';

function udp(port: number | 'other', bytes: number, device = 'lo', direction: 'tx' | 'rx' = 'tx'): BreakdownReading {
  return { interface: device, ifindex: device === 'lo' ? 1 : 2, direction, family: 'ipv4', protocol: 17, port, bytes: BigInt(bytes), packets: BigInt(Math.ceil(bytes / 100)) };
}

/** The exported series as "device/direction/port" -> bytes. */
function view(series: readonly BudgetSeries[]): Record<string, bigint> {
  return Object.fromEntries(series.map((s) => [`${s.key.interface}/${s.key.direction}/${String(s.key.port)}`, s.bytes]));
}

test('new keys take free places at first sight with all their bytes; the rest, and the kernel\'s own other, count as other', () => {
  const budget = new SeriesBudget({ maxSeries: 2, idleSeconds: 10 });
  const first = budget.fold([udp(80, 100), udp(443, 300), udp(53, 200), udp('other', 7)], 0);
  // The two largest get a place; 80 and the kernel's overflow are other.
  assert.deepEqual(view(first), { 'lo/tx/53': 200n, 'lo/tx/443': 300n, 'lo/tx/other': 107n });
});

test('an active key keeps its place even when a key in other is busier; other never goes down', () => {
  const budget = new SeriesBudget({ maxSeries: 1, idleSeconds: 10 });
  budget.fold([udp(443, 100)], 0);
  const second = budget.fold([udp(443, 101), udp(80, 5000)], 1);
  assert.deepEqual(view(second), { 'lo/tx/443': 101n, 'lo/tx/other': 5000n });
  const third = budget.fold([udp(443, 102), udp(80, 9000)], 2);
  assert.deepEqual(view(third), { 'lo/tx/443': 102n, 'lo/tx/other': 9000n });
});

test('an idle key loses its place after idleSeconds; the place goes to the busiest key of the sample, not the largest total', () => {
  const budget = new SeriesBudget({ maxSeries: 1, idleSeconds: 10 });
  budget.fold([udp(443, 100), udp(80, 50), udp(8080, 20)], 0);
  // 80 is large in total but quiet now; 8080 sends the most in this sample.
  const later = budget.fold([udp(443, 100), udp(80, 60), udp(8080, 1020)], 9);
  assert.deepEqual(view(later), { 'lo/tx/443': 100n, 'lo/tx/other': 1080n }, 'idle for 9 s of 10: 443 keeps its place');
  const freed = budget.fold([udp(443, 100), udp(80, 70), udp(8080, 2020)], 10);
  // 443's series ends at 100; 8080's starts with this sample's 1000; other keeps what it had, plus 80's 10.
  assert.deepEqual(view(freed), { 'lo/tx/8080': 1000n, 'lo/tx/other': 1090n });
  // 443 again: no place free, so its bytes go to other.
  const after = budget.fold([udp(443, 150), udp(80, 70), udp(8080, 2030)], 11);
  assert.deepEqual(view(after), { 'lo/tx/8080': 1010n, 'lo/tx/other': 1140n });
});

test('a key that gets its place back goes on from where its series ended', () => {
  const budget = new SeriesBudget({ maxSeries: 1, idleSeconds: 5 });
  budget.fold([udp(443, 100)], 0);
  assert.deepEqual(view(budget.fold([udp(443, 100)], 5)), {});
  // Released, then active again with the place free: 100 (its series so far) + 50 new.
  assert.deepEqual(view(budget.fold([udp(443, 150)], 6)), { 'lo/tx/443': 150n });
});

test('a device without readings for idleSeconds has all its series removed; until then they stay as they were', () => {
  const budget = new SeriesBudget({ maxSeries: 4, idleSeconds: 10 });
  budget.fold([udp(443, 100, 'veth0'), udp(443, 10, 'lo')], 0);
  assert.deepEqual(view(budget.fold([udp(443, 20, 'lo')], 5)), { 'lo/tx/443': 20n, 'veth0/tx/443': 100n });
  assert.deepEqual(view(budget.fold([udp(443, 30, 'lo')], 10)), { 'lo/tx/443': 30n });
  // A device of that name later starts afresh.
  assert.deepEqual(view(budget.fold([udp(443, 30, 'lo'), udp(22, 4, 'veth0')], 11)), { 'lo/tx/443': 30n, 'veth0/tx/22': 4n });
});

test('the budget is across devices, and two interfaces that had one name add up in one series', () => {
  const budget = new SeriesBudget({ maxSeries: 2, idleSeconds: 10 });
  const series = budget.fold([udp(443, 300, 'eth0'), udp(22, 200, 'wg0'), udp(53, 100, 'lo'), { ...udp(22, 50, 'wg0'), ifindex: 9 }], 0);
  assert.deepEqual(view(series), { 'eth0/tx/443': 300n, 'lo/tx/other': 100n, 'wg0/tx/22': 250n });
});

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

test('readings handed on (the same frozen array) fold as equal readings would: devices stay, idle keys release, places move on', () => {
  const handedOn = new SeriesBudget({ maxSeries: 1, idleSeconds: 3 });
  const copied = new SeriesBudget({ maxSeries: 1, idleSeconds: 3 });
  const steps = [
    Object.freeze([udp(443, 100, 'veth0'), udp(22, 50, 'lo')]),
    Object.freeze([udp(443, 100, 'veth0'), udp(22, 80, 'lo')]),
    Object.freeze([udp(22, 90, 'lo')]),
  ];
  let last: readonly BudgetSeries[] | undefined;
  for (let now = 0; now < 24; now++) {
    // Each set of readings stays for 8 samples: handed on as one array, or copied anew each time.
    const readings = steps[Math.floor(now / 8)]!;
    const series = handedOn.fold(readings, now);
    assert.deepEqual(view(series), view(copied.fold(readings.map((r) => ({ ...r })), now)), `at ${now} s`);
    if (now % 8 > 3) assert.equal(series, last, `nothing changed at ${now} s: the same list`);
    last = series;
  }
  // 443 held the place until 3 s, 22 from 8 s (when it moved) to 19 s; veth0 was forgotten 3 s after its last reading.
  assert.deepEqual(view(last!), { 'lo/tx/other': 50n });
});

test('a reused array that is not frozen is read again: its counts may have moved', () => {
  const budget = new SeriesBudget({ maxSeries: 1, idleSeconds: 10 });
  const readings = [udp(443, 100)];
  budget.fold(readings, 0);
  readings[0] = udp(443, 150);
  assert.deepEqual(view(budget.fold(readings, 1)), { 'lo/tx/443': 150n });
});

test('under random traffic every series only grows, at most maxSeries are own, and every byte is in exactly one series', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = random(seed);
    const budget = new SeriesBudget({ maxSeries: 3, idleSeconds: 4 });
    const totals = new Map<string, number>();
    /** Each series' last exported value (series that ended keep theirs). */
    const last = new Map<string, bigint>();
    for (let now = 0; now < 200; now++) {
      for (let k = 0; k < 3; k++) {
        const id = `${rand() < 0.5 ? 'lo' : 'eth0'}/${rand() < 0.5 ? 'tx' : 'rx'}/${rand() < 0.1 ? 'other' : String(1 + Math.floor(rand() * 12))}`;
        if (rand() < 0.6) totals.set(id, (totals.get(id) ?? 0) + 1 + Math.floor(rand() * 1000));
      }
      const readings = [...totals].map(([id, bytes]) => {
        const [device, direction, port] = id.split('/') as [string, 'tx' | 'rx', string];
        return udp(port === 'other' ? 'other' : Number(port), bytes, device, direction);
      });
      const series = budget.fold(readings, now);
      assert.ok(series.filter((s) => s.key.port !== 'other').length <= 3, `at most 3 own series (seed ${seed}, ${now} s)`);
      for (const s of series) {
        const id = `${s.key.interface}/${s.key.direction}/${String(s.key.port)}`;
        assert.ok(s.bytes >= (last.get(id) ?? 0n), `${id} went down (seed ${seed}, ${now} s)`);
        last.set(id, s.bytes);
      }
      for (const device of ['lo', 'eth0']) {
        for (const direction of ['tx', 'rx']) {
          const prefix = `${device}/${direction}/`;
          const counted = [...totals].filter(([id]) => id.startsWith(prefix)).reduce((sum, [, b]) => sum + BigInt(b), 0n);
          const exported = [...last].filter(([id]) => id.startsWith(prefix)).reduce((sum, [, b]) => sum + b, 0n);
          assert.equal(exported, counted, `${prefix}: the series' bytes add up to the readings' (seed ${seed}, ${now} s)`);
        }
      }
    }
  }
});

test('the metrics after 30 one-packet probes, then a transfer to a new port once the probes are idle: the transfer has its own series', async () => {
  const clock = fakeClock();
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), ['port']);
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false, by: ['port'], budget: { maxSeries: 10, idleSeconds: 2 } });
  const status = { interval: 0.5, demo: undefined };
  const probes = Array.from({ length: 30 }, (_, i) => udp(7000 + i, 43));
  const step = async (next: BreakdownReading[]): Promise<string[]> => {
    clock.advance(500);
    metrics.render(sampler.sample(counterRead([], next)), status);
    return (await metrics.metrics()).split('\n').filter((l) => l.startsWith('sockex_breakdown_bytes_total{'));
  };
  const first = await step(probes);
  assert.equal(first.length, 11, 'ten probes with a series, the rest as other');
  assert.ok(first.includes('sockex_breakdown_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp",port="other"} 860'));
  // Idle for 2 s: the probes' places are free; the transfer, the busiest, takes one.
  for (let i = 0; i < 4; i++) await step(probes);
  const lines = await step([...probes, udp(9999, 20_000_000)]);
  assert.deepEqual(lines, [
    'sockex_breakdown_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp",port="9999"} 20000000',
    'sockex_breakdown_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp",port="other"} 860',
  ]);
});
