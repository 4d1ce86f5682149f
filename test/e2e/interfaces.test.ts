/**
 * Several interfaces end to end: a veth pair between two fresh namespaces and
 * lo, with different known traffic on each. `-i va -i lo` and `-i any` must
 * both count every frame on the interface it crossed, exactly, and nowhere else.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { PING4_FRAME, udp4Frame } from './frames.js';
import { NetNs, requireRoot, startSockex, waitFor, type JsonSample } from './harness.js';
import { httpGet } from './http-get.js';

const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';
const ADDR_A = '192.0.2.1';
const ADDR_B = '192.0.2.2';
const METRICS_PORT = 9469;


/**
 * Namespace a (sockex runs here: lo and va) and b (vb, va's peer). IPv6 is off
 * and the neighbours are static, so the kernel sends nothing of its own
 * (no router solicitations, no ARP): only the test's frames cross va.
 */
function topology(t: TestContext): { a: NetNs; b: NetNs } {
  const a = NetNs.create(t, 'a');
  const b = NetNs.create(t, 'b');
  for (const ns of [a, b]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  a.exec('ip', ['link', 'add', 'va', 'address', MAC_A, 'type', 'veth', 'peer', 'name', 'vb', 'address', MAC_B, 'netns', b.name]);
  a.exec('ip', ['addr', 'add', `${ADDR_A}/24`, 'dev', 'va']);
  b.exec('ip', ['addr', 'add', `${ADDR_B}/24`, 'dev', 'vb']);
  a.exec('ip', ['neigh', 'replace', ADDR_B, 'lladdr', MAC_B, 'dev', 'va', 'nud', 'permanent']);
  b.exec('ip', ['neigh', 'replace', ADDR_A, 'lladdr', MAC_A, 'dev', 'vb', 'nud', 'permanent']);
  a.exec('ip', ['link', 'set', 'va', 'up']);
  b.exec('ip', ['link', 'set', 'vb', 'up']);
  return { a, b };
}

/**
 * Different traffic on each interface:
 *   va: 7 raw frames of EtherType 0x88b5 (100 bytes) sent, 5 of 0x88b6 (80 bytes)
 *       received from b, and 3 pings to b (request out, reply in);
 *   lo: 3 UDP datagrams over 127.0.0.1 (each seen leaving and arriving).
 */
function sendTraffic(a: NetNs, b: NetNs): void {
  a.tool('raw-frames', ['va', '0x88b5', '7', '100']);
  b.tool('raw-frames', ['vb', '0x88b6', '5', '80']);
  a.exec('ping', ['-4', '-c', '3', '-i', '0.2', '-q', ADDR_B]);
  a.tool('udp', ['4', '100,200,300']);
}

const UDP_BYTES = udp4Frame(100) + udp4Frame(200) + udp4Frame(300); // 726

/** Every counter of the traffic above, as "interface/direction/family/protocol bytes packets". */
const EXPECTED = [
  `lo/rx/ipv4/17 ${UDP_BYTES} 3`,
  `lo/tx/ipv4/17 ${UDP_BYTES} 3`,
  `va/rx/ipv4/1 ${3 * PING4_FRAME} 3`,
  `va/rx/other/${0x88b6} ${5 * 80} 5`,
  `va/tx/ipv4/1 ${3 * PING4_FRAME} 3`,
  `va/tx/other/${0x88b5} ${7 * 100} 7`,
];

function counters(sample: JsonSample, skip: (c: JsonSample['counters'][number]) => boolean = () => false): string[] {
  return sample.counters
    .filter((c) => !skip(c))
    .map((c) => `${c.interface}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`)
    .sort();
}

test('-i va -i lo: per-interface counts are exact and never mixed', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  assert.deepEqual([UDP_BYTES, PING4_FRAME], [726, 98]);
  const { a, b } = topology(t);
  const sockex = await startSockex(a, ['-i', 'va', '-i', 'lo', '--json', '--interval', '0.2']);
  t.after(() => void sockex.stop().catch(() => undefined));

  sendTraffic(a, b);
  // Wait for a periodic sample to hold it all: the sample printed on SIGTERM
  // is skipped when the last one is under 50 ms old (main.ts), which could
  // be older than the last datagram.
  await waitFor(
    () => sockex.samples().some((s) => JSON.stringify(counters(s)) === JSON.stringify(EXPECTED)),
    10_000,
    () => `no sample showed exactly the traffic: ${sockex.stdout.split('\n').slice(-2).join('\n')}`,
  );
  assert.equal(await sockex.stop(), 0);
  const last = sockex.lastSample();
  assert.deepEqual(counters(last), EXPECTED);
  assert.ok(last.counters.every((c) => c.interface === 'va' || c.interface === 'lo'));
});

test('-i any: the same traffic attributed to the right interface names, also in the metrics', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = topology(t);
  const sockex = await startSockex(a, ['-i', 'any', '--json', '--interval', '0.2', '--metrics', String(METRICS_PORT)]);
  t.after(() => void sockex.stop().catch(() => undefined));

  sendTraffic(a, b);

  // An interface that appears after attach is named too, and keeps its name once gone.
  a.exec('ip', ['link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'vd', 'netns', b.name]);
  a.exec('ip', ['link', 'set', 'vc', 'up']);
  b.exec('ip', ['link', 'set', 'vd', 'up']);
  a.tool('raw-frames', ['vc', '0x88b7', '3', '90']);
  const vcLine = `vc/tx/other/${0x88b7} 270 3`;
  await waitFor(
    () => sockex.samples().some((s) => counters(s).includes(vcLine)),
    10_000,
    () => `no sample showed ${vcLine}: ${sockex.stdout.split('\n').slice(-2).join('\n')}`,
  );

  // The metrics carry the device of every counter. Scraping is TCP over lo,
  // so TCP is left out of what is compared, and so are the zero series
  // (prometheus.test.ts holds them).
  const expectedMetrics = [
    `lo receive ipv4 udp ${UDP_BYTES}`,
    `lo transmit ipv4 udp ${UDP_BYTES}`,
    `va receive ipv4 icmp ${3 * PING4_FRAME}`,
    `va receive other 0x88b6 400`,
    `va transmit ipv4 icmp ${3 * PING4_FRAME}`,
    `va transmit other 0x88b5 700`,
    'vc transmit other 0x88b7 270',
  ];
  let seen: string[] = [];
  await waitFor(
    () => {
      seen = scrapeBytes(a).filter((line) => !line.includes(' tcp ') && !line.endsWith(' 0'));
      return JSON.stringify(seen) === JSON.stringify(expectedMetrics);
    },
    10_000,
    () => `metrics: ${seen.join('; ')}`,
  );

  a.exec('ip', ['link', 'del', 'vc']);
  assert.equal(await sockex.stop(), 0);
  const last = sockex.lastSample();
  assert.deepEqual(counters(last, (c) => c.interface === 'lo' && c.protocol === 6), [...EXPECTED, vcLine].sort());
});

/** sockex_bytes_total as "device direction family protocol value", sorted. */
function scrapeBytes(ns: NetNs): string[] {
  const text = httpGet(ns, `http://127.0.0.1:${METRICS_PORT}/metrics`) ?? '';
  const lines: string[] = [];
  for (const m of text.matchAll(/^sockex_bytes_total\{device="([^"]*)",direction="(\w+)",family="(\w+)",protocol="([^"]*)"\} (\d+)$/gm)) {
    lines.push(`${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}`);
  }
  return lines.sort();
}
