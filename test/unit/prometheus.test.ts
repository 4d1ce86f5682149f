/**
 * The metrics renderer, fed made-up snapshots: metric names, label values and
 * exact numbers in the exposition text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reading } from '../../src/model/counters.js';
import { counterRead } from '../../src/model/counter-read.js';
import { Sampler } from '../../src/model/sampler.js';
import type { CounterSnapshot, Snapshot } from '../../src/model/snapshot.js';
import { createPrometheusRenderer } from '../../src/render/prometheus.js';
import { protocolLabel } from '../../src/render/protocol-series.js';
import { fakeClock } from './fake-clock.js';

const status = { interval: 1, demo: undefined };

function counter(c: Partial<CounterSnapshot> & Pick<CounterSnapshot, 'interface' | 'direction' | 'family' | 'protocol'>): CounterSnapshot {
  return { ifindex: 1, name: 'n/a', bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, ...c };
}

function snapshot(counters: CounterSnapshot[], sequence = 1): Snapshot {
  return { time: 0, elapsed: sequence, interval: 1, sequence, interfaces: ['lo'], counters };
}

/** The sample lines of one metric, without HELP/TYPE and without the zero series (tested on their own). */
function samples(text: string, metric: string): string[] {
  return allSamples(text, metric).filter((line) => !line.endsWith('} 0'));
}

function allSamples(text: string, metric: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `));
}

test('bytes and packets carry device, direction, family and the IANA protocol keyword', async () => {
  const metrics = createPrometheusRenderer({ version: '9.8.7', processMetrics: false });
  metrics.render(
    snapshot([
      counter({ interface: 'lo', direction: 'tx', family: 'ipv4', protocol: 17, bytes: 1476n, packets: 3n }),
      counter({ interface: 'lo', direction: 'rx', family: 'ipv4', protocol: 17, bytes: 1476n, packets: 3n }),
      counter({ interface: 'lo', direction: 'tx', family: 'ipv4', protocol: 1, bytes: 588n, packets: 6n }),
      counter({ interface: 'eth0', direction: 'rx', family: 'ipv6', protocol: 58, bytes: 86n, packets: 1n }),
      counter({ interface: 'eth0', direction: 'rx', family: 'ipv6', protocol: 6, bytes: 74n, packets: 1n }),
      counter({ interface: 'eth0', direction: 'tx', family: 'other', protocol: 0x0806, bytes: 42n, packets: 1n }),
    ]),
    status,
  );
  const text = await metrics.metrics();
  assert.deepEqual(samples(text, 'sockex_bytes_total'), [
    'sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 1476',
    'sockex_bytes_total{device="lo",direction="receive",family="ipv4",protocol="udp"} 1476',
    'sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="icmp"} 588',
    'sockex_bytes_total{device="eth0",direction="receive",family="ipv6",protocol="ipv6-icmp"} 86',
    'sockex_bytes_total{device="eth0",direction="receive",family="ipv6",protocol="tcp"} 74',
    'sockex_bytes_total{device="eth0",direction="transmit",family="other",protocol="arp"} 42',
  ]);
  assert.deepEqual(samples(text, 'sockex_packets_total'), [
    'sockex_packets_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 3',
    'sockex_packets_total{device="lo",direction="receive",family="ipv4",protocol="udp"} 3',
    'sockex_packets_total{device="lo",direction="transmit",family="ipv4",protocol="icmp"} 6',
    'sockex_packets_total{device="eth0",direction="receive",family="ipv6",protocol="ipv6-icmp"} 1',
    'sockex_packets_total{device="eth0",direction="receive",family="ipv6",protocol="tcp"} 1',
    'sockex_packets_total{device="eth0",direction="transmit",family="other",protocol="arp"} 1',
  ]);
  assert.match(text, /^# TYPE sockex_bytes_total counter$/m);
  assert.match(text, /^# TYPE sockex_packets_total counter$/m);
  assert.deepEqual(samples(text, 'sockex_build_info'), ['sockex_build_info{version="9.8.7"} 1']);
  assert.match(text, /^# TYPE sockex_build_info gauge$/m);
});

test('values are those of the latest snapshot, not a sum of snapshots', async () => {
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  const udp = { interface: 'lo', direction: 'tx', family: 'ipv4', protocol: 17 } as const;
  const tcp = { interface: 'lo', direction: 'tx', family: 'ipv4', protocol: 6 } as const;
  metrics.render(snapshot([counter({ ...udp, bytes: 100n, packets: 1n }), counter({ ...tcp, bytes: 66n, packets: 1n })], 1), status);
  assert.equal((await metrics.metrics()).includes('protocol="tcp"} 66'), true);
  metrics.render(snapshot([counter({ ...udp, bytes: 250n, packets: 2n })], 2), status);
  const text = await metrics.metrics();
  assert.deepEqual(samples(text, 'sockex_bytes_total'), ['sockex_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp"} 250']);
  // Scraping twice without a new snapshot must not change anything either.
  assert.equal(await metrics.metrics(), text);
});

test('before the first snapshot only build info is exposed', async () => {
  const metrics = createPrometheusRenderer({ version: '1.2.3', processMetrics: false });
  const text = await metrics.metrics();
  assert.deepEqual(samples(text, 'sockex_bytes_total'), []);
  assert.deepEqual(samples(text, 'sockex_build_info'), ['sockex_build_info{version="1.2.3"} 1']);
});

test('unnamed protocols are numeric: IP protocols in decimal, EtherTypes in hex', async () => {
  assert.equal(protocolLabel('ipv4', 253), '253');
  assert.equal(protocolLabel('ipv6', 254), '254');
  assert.equal(protocolLabel('other', 0x88b5), '0x88b5');
  assert.equal(protocolLabel('other', 0x0806), 'arp');
  assert.equal(protocolLabel('ipv6', 0), 'hopopt');
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  metrics.render(snapshot([counter({ interface: 'va', direction: 'rx', family: 'other', protocol: 0x88b5, bytes: 400n, packets: 5n })]), status);
  assert.deepEqual(samples(await metrics.metrics(), 'sockex_packets_total'), [
    'sockex_packets_total{device="va",direction="receive",family="other",protocol="0x88b5"} 5',
  ]);
});

test('counts past 2^53 become the nearest float64, as Prometheus stores them', async () => {
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  const big = 2n ** 60n + 1n; // not a float64: rounds to 2^60
  metrics.render(snapshot([counter({ interface: 'lo', direction: 'rx', family: 'ipv4', protocol: 6, bytes: big, packets: 2n ** 53n })]), status);
  const text = await metrics.metrics();
  assert.deepEqual(samples(text, 'sockex_bytes_total'), [
    `sockex_bytes_total{device="lo",direction="receive",family="ipv4",protocol="tcp"} ${2 ** 60}`,
  ]);
  assert.deepEqual(samples(text, 'sockex_packets_total'), [
    'sockex_packets_total{device="lo",direction="receive",family="ipv4",protocol="tcp"} 9007199254740992',
  ]);
});

test('device names are escaped as label values', async () => {
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  metrics.render(snapshot([counter({ interface: 'we"ird\\', direction: 'tx', family: 'ipv4', protocol: 17, bytes: 1n, packets: 1n })]), status);
  assert.deepEqual(samples(await metrics.metrics(), 'sockex_bytes_total'), [
    'sockex_bytes_total{device="we\\"ird\\\\",direction="transmit",family="ipv4",protocol="udp"} 1',
  ]);
});

test('non-ASCII device names are label values as they are', async () => {
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  metrics.render(snapshot([counter({ interface: 'hx\u00e9', direction: 'tx', family: 'ipv4', protocol: 17, bytes: 1n, packets: 1n })]), status);
  assert.deepEqual(samples(await metrics.metrics(), 'sockex_bytes_total'), ['sockex_bytes_total{device="hx\u00e9",direction="transmit",family="ipv4",protocol="udp"} 1']);
});

test('TCP, UDP and ICMP series exist at 0 for each counted interface and direction from the first scrape', async () => {
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  const first: Snapshot = {
    ...snapshot([
      counter({ interface: 'eth0', direction: 'rx', family: 'ipv4', protocol: 6, bytes: 74n, packets: 1n }),
      counter({ interface: 'eth0', direction: 'rx', family: 'ipv6', protocol: 58, bytes: 86n, packets: 1n }),
      counter({ interface: 'any', ifindex: 0, direction: 'rx', family: 'other', protocol: 0x10000, bytes: 60n, packets: 1n }),
    ]),
    // wg0 is counted but has seen nothing yet.
    interfaces: ['eth0', 'wg0', 'any'],
  };
  metrics.render(first, status);
  const text = await metrics.metrics();
  const series = (device: string, direction: string, family: string, protocol: string, value: number): string =>
    `sockex_packets_total{device="${device}",direction="${direction}",family="${family}",protocol="${protocol}"} ${value}`;
  assert.deepEqual(allSamples(text, 'sockex_packets_total'), [
    series('eth0', 'transmit', 'ipv4', 'icmp', 0),
    series('eth0', 'transmit', 'ipv4', 'tcp', 0),
    series('eth0', 'transmit', 'ipv4', 'udp', 0),
    series('eth0', 'receive', 'ipv4', 'icmp', 0),
    series('eth0', 'receive', 'ipv4', 'tcp', 1),
    series('eth0', 'receive', 'ipv4', 'udp', 0),
    series('eth0', 'receive', 'ipv6', 'ipv6-icmp', 1),
    // "any" (frames no interface could be charged with) gets no zero series.
    series('any', 'receive', 'other', 'other-overflow', 1),
    series('wg0', 'transmit', 'ipv4', 'icmp', 0),
    series('wg0', 'transmit', 'ipv4', 'tcp', 0),
    series('wg0', 'transmit', 'ipv4', 'udp', 0),
    series('wg0', 'receive', 'ipv4', 'icmp', 0),
    series('wg0', 'receive', 'ipv4', 'tcp', 0),
    series('wg0', 'receive', 'ipv4', 'udp', 0),
  ]);
  assert.equal(allSamples(text, 'sockex_bytes_total').length, 14);
  assert.match(text, /^sockex_bytes_total\{device="wg0",direction="receive",family="ipv4",protocol="udp"\} 0$/m);
});

test('process metrics by the conventions are there by default; Node.js runtime metrics only when asked for', async () => {
  const families = (text: string): string[] => [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  const plain = createPrometheusRenderer({ version: '0' });
  const processFamilies = [
    'process_cpu_seconds_total counter',
    'process_open_fds gauge',
    'process_max_fds gauge',
    'process_virtual_memory_bytes gauge',
    'process_virtual_memory_max_bytes gauge',
    'process_resident_memory_bytes gauge',
    'process_start_time_seconds gauge',
    'process_threads gauge',
  ];
  const text = await plain.metrics();
  assert.deepEqual(families(text), ['sockex_bytes_total counter', 'sockex_packets_total counter', 'sockex_build_info gauge', ...processFamilies]);
  assert.match(text, /^process_resident_memory_bytes [1-9]\d+$/m);
  assert.match(text, /^process_open_fds [1-9]\d*$/m);
  const start = Number(/^process_start_time_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 2, `start time ${start}`);
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  plain.close();

  const runtime = createPrometheusRenderer({ version: '0', runtimeMetrics: true });
  const more = families(await runtime.metrics()).slice(3 + processFamilies.length);
  assert.ok(more.length >= 5 && more.every((f) => f.startsWith('nodejs_') && f.endsWith(' gauge') && !f.includes('_total ')), more.join(', '));
  assert.match(await runtime.metrics(), /^nodejs_version_info\{version="v\d+\.\d+\.\d+",major="\d+",minor="\d+",patch="\d+"\} 1$/m);
  runtime.close();
});

test('a scrape after traffic on one device shows its new counts beside the unchanged devices', async () => {
  const clock = fakeClock();
  const sampler = new Sampler(['any'], clock);
  const metrics = createPrometheusRenderer({ version: '0', processMetrics: false });
  const reading = (iface: string, ifindex: number, packets: bigint): Reading => ({
    interface: iface,
    ifindex,
    direction: 'rx',
    family: 'ipv4',
    protocol: 17,
    bytes: packets * 100n,
    packets,
  });
  const quiet = reading('va', 2, 5n);
  metrics.render(sampler.sample(counterRead([quiet, reading('vb', 3, 1n)])), status);
  const before = samples(await metrics.metrics(), 'sockex_packets_total');
  clock.advance(1000);
  metrics.render(sampler.sample(counterRead([quiet, reading('vb', 3, 4n)])), status);
  const after = samples(await metrics.metrics(), 'sockex_packets_total');
  assert.deepEqual(before, [
    'sockex_packets_total{device="va",direction="receive",family="ipv4",protocol="udp"} 5',
    'sockex_packets_total{device="vb",direction="receive",family="ipv4",protocol="udp"} 1',
  ]);
  assert.deepEqual(after, [
    'sockex_packets_total{device="va",direction="receive",family="ipv4",protocol="udp"} 5',
    'sockex_packets_total{device="vb",direction="receive",family="ipv4",protocol="udp"} 4',
  ]);
});

test('exposition(): the text as the renderers keep it, in parts that join to metrics(): per device, not one string', async () => {
  const metrics = createPrometheusRenderer({ version: '9.8.7', processMetrics: false });
  const counters: CounterSnapshot[] = [];
  for (let i = 0; i < 2000; i++) {
    counters.push(counter({ interface: `veth${i}`, ifindex: 10 + i, direction: 'tx', family: 'ipv4', protocol: 17, bytes: BigInt(42 * i), packets: BigInt(i) }));
  }
  metrics.render({ ...snapshot(counters), interfaces: ['any'] }, status);
  const pieces = await metrics.exposition();
  const text = await metrics.metrics();
  assert.equal(pieces.join(''), text);
  assert.ok(pieces.length > 2 * 2000, `${pieces.length} parts: each device's lines of each family one`);
  assert.ok(Math.max(...pieces.map((p) => p.length)) < 2000, 'no part is more than a device');
  assert.equal(allSamples(text, 'sockex_packets_total').length, 2000 * 6);
});
