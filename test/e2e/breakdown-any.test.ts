/**
 * --by with -i any end to end, and the breakdown under a flood: the real
 * every-interface breakdown filter (bpf/sockex-any-by.bpf.c) attached by the
 * real CLI in fresh namespaces, real UDP, TCP, ping and IPv6 over lo and a
 * veth pair. Each interface's parts are exact and add up to its protocol
 * counters, in every sample, with the table full too.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { NetNs, counter, requireRoot, startSockex, waitFor, RunningSockex, TOOLS, type JsonSample } from './harness.js';
import { PORT_PROTOCOLS, assertAddsUp, assertEveryAddsUp, byCounter, byPort, echoPair, everyIp, exposition, sum } from './breakdown-checks.js';
import { httpGet } from './http-get.js';
import { PING4_FRAME, udp4Frame, udp6Frame } from './frames.js';

const UDP4 = [100, 200, 1000];
const UDP6 = [50, 1200];
const LO_UDP = [10, 20];

/** UDP echoes over the veth (IPv4 and IPv6), a TCP connection, pings, and UDP over lo, all in namespace a. */
async function traffic(t: TestContext, label: string, by: string[], more: string[] = []) {
  const { a, serve, call, tcp } = await echoPair(t, label);
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'any', '--by', by.join(','), ...more]);
  await serve('192.0.2.2', 7000, UDP4.length);
  await serve('fd00::2', 7001, UDP6.length);
  call('192.0.2.2', 7000, 40000, UDP4);
  call('fd00::2', 7001, 40001, UDP6);
  await tcp('192.0.2.2', 8443, 100_000);
  a.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.01', '192.0.2.2']);
  a.tool('udp', ['4', LO_UDP.join(','), '5300', '45300']);
  return { a, sockex };
}

test('-i any --by port: each interface\'s ports exact, adding up to its own protocol counters; a gone veth keeps its parts and frees its keys', async (t) => {
  if (!requireRoot(t)) return;
  // 8 keys: UDP 7000, UDP 7001 (IPv6) and TCP 8443 on the veth, UDP 5300 on lo, each tx and rx.
  const { a, sockex } = await traffic(t, 'anyport', ['port'], ['--max-entries', '8']);
  // The pings and lo's UDP came last.
  const showsAll = (s: JsonSample): boolean =>
    counter(s, { interface: 'veth-a', direction: 'rx', family: 'ipv4', protocol: 1 }).packets === 2 &&
    byCounter(s, { interface: 'lo', direction: 'rx', family: 'ipv4', protocol: 17, port: 5300 }).packets === LO_UDP.length;
  await sockex.sampleShowing(showsAll);
  const before = sockex.samples().at(-1)!;
  // The veth goes: its counters and its parts are kept under its name.
  a.exec('ip', ['link', 'del', 'veth-a']);
  await sockex.sampleShowing((s) => s.elapsed > before.elapsed + 0.5);
  // The table was full; the veth's 6 keys were deleted with it, so a new port on lo has its own.
  assert.equal(before.breakdown?.counters.filter((c) => typeof c.port === 'number').length, 8, 'the table was full');
  a.tool('udp', ['4', '5', '5400', '45400']);
  await sockex.sampleShowing((s) => counter(s, { interface: 'lo', direction: 'rx', family: 'ipv4', protocol: 17 }).packets === LO_UDP.length + 1);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assert.deepEqual(sample.breakdown?.by, ['port']);
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(byCounter(sample, { interface: 'veth-a', direction, family: 'ipv4', protocol: 17, port: 7000 }), { bytes: sum(UDP4.map(udp4Frame)), packets: UDP4.length });
    assert.deepEqual(byCounter(sample, { interface: 'veth-a', direction, family: 'ipv6', protocol: 17, port: 7001 }), { bytes: sum(UDP6.map(udp6Frame)), packets: UDP6.length });
    assert.deepEqual(byCounter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17, port: 5300 }), { bytes: sum(LO_UDP.map(udp4Frame)), packets: LO_UDP.length });
    assert.deepEqual(byCounter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17, port: 5400 }), { bytes: udp4Frame(5), packets: 1 }, 'a key of its own');
    // Each interface's UDP is its own: nothing of lo's on the veth, nor the other way.
    assert.deepEqual(counter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17 }), { bytes: sum(LO_UDP.map(udp4Frame)) + udp4Frame(5), packets: LO_UDP.length + 1 });
    const tcp = counter(sample, { interface: 'veth-a', direction, family: 'ipv4', protocol: 6 });
    assert.ok(tcp.packets >= 5, `TCP ${direction} was counted`);
    assert.deepEqual(byCounter(sample, { interface: 'veth-a', direction, family: 'ipv4', protocol: 6, port: 8443 }), tcp);
    // ICMP has no ports: in the protocol counters only.
    assert.deepEqual(counter(sample, { interface: 'veth-a', direction, family: 'ipv4', protocol: 1 }), { bytes: 2 * PING4_FRAME, packets: 2 });
  }
  assertAddsUp(sample, byPort);
  assertEveryAddsUp(sockex.samples(), byPort);
  assert.ok(sample.breakdown?.counters.every((c) => PORT_PROTOCOLS.has(c.protocol) && ['lo', 'veth-a'].includes(c.interface)), 'real interface names, ports only');
  assert.deepEqual(sample.breakdown?.counters.filter((c) => c.interface === 'veth-a'), before.breakdown?.counters.filter((c) => c.interface === 'veth-a').map((c) => ({ ...c, bytesPerSecond: 0, packetsPerSecond: 0 })), 'the gone veth\'s parts as they were');
});

for (const by of [['host'], ['port', 'host']]) {
  test(`-i any --by ${by.join(',')}: each interface's other ends exact, every IP protocol split and adding up`, async (t) => {
    if (!requireRoot(t)) return;
    const { sockex } = await traffic(t, `any${by.length}`, by);
    await sockex.sampleShowing((s) => byCounter(s, { interface: 'veth-a', direction: 'rx', family: 'ipv4', protocol: 1, host: '192.0.2.2' }).packets === 2);
    assert.equal(await sockex.stop(), 0);
    const sample = sockex.lastSample();
    const port = (n: number) => (by.includes('port') ? { port: n } : {});
    for (const direction of ['tx', 'rx'] as const) {
      const v4 = { interface: 'veth-a', direction, family: 'ipv4', host: '192.0.2.2' } as const;
      assert.deepEqual(byCounter(sample, { ...v4, protocol: 17, ...port(7000) }), { bytes: sum(UDP4.map(udp4Frame)), packets: UDP4.length });
      assert.deepEqual(byCounter(sample, { ...v4, family: 'ipv6', host: 'fd00::2', protocol: 17, ...port(7001) }), { bytes: sum(UDP6.map(udp6Frame)), packets: UDP6.length });
      assert.deepEqual(byCounter(sample, { ...v4, protocol: 1 }), { bytes: 2 * PING4_FRAME, packets: 2 });
      assert.deepEqual(byCounter(sample, { ...v4, protocol: 6, ...port(8443) }), counter(sample, { interface: 'veth-a', direction, family: 'ipv4', protocol: 6 }));
      assert.deepEqual(byCounter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17, host: '127.0.0.1', ...port(5300) }), { bytes: sum(LO_UDP.map(udp4Frame)), packets: LO_UDP.length });
    }
    assertEveryAddsUp(sockex.samples(), everyIp);
    assert.ok(sample.breakdown?.counters.every((c) => c.host !== undefined && (c.port !== undefined) === (by.includes('port') && PORT_PROTOCOLS.has(c.protocol))));
  });
}

/** Sockex under a flood of UDP to many ports plus a TCP transfer on lo: every sample must add up; then the exact totals. */
async function flood(t: TestContext, label: string, args: string[]): Promise<{ sample: JsonSample; samples: JsonSample[]; sent: number[]; firstPort: number }> {
  const ns = NetNs.create(t, label);
  const sockex = await startSockex(ns, ['--json', '--interval', '0.05', '--by', 'port', ...args]);
  const spray = new RunningSockex(ns.spawn(process.execPath, [`${TOOLS}udp-spray.js`, '2', '20000', '200', '64', '47000']));
  ns.tool('tcp', ['4', '4000000', '8080']);
  assert.equal(await spray.exit(), 0, spray.stderr);
  assert.equal(await sockex.stop(), 0);
  const { firstPort, sent } = JSON.parse(spray.stdout) as { firstPort: number; sent: number[] };
  const samples = sockex.samples();
  assert.ok(samples.length >= 20, `a sample every 0.05 s: ${samples.length}`);
  // The point: every sample adds up, in the middle of the flood as at the end.
  assertEveryAddsUp(samples, byPort);
  return { sample: samples.at(-1)!, samples, sent, firstPort };
}

test('under a flood of UDP to 200 ports plus TCP, sampled every 0.05 s, every sample\'s ports add up; the totals are exact', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { sample, sent, firstPort } = await flood(t, 'byflood', []);
  const frame = udp4Frame(64);
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(counter(sample, { direction, family: 'ipv4', protocol: 17 }), { bytes: sum(sent) * frame, packets: sum(sent) });
    sent.forEach((n, i) => assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 17, port: firstPort + i }), { bytes: n * frame, packets: n }, `port ${firstPort + i}`));
  }
});

test('-i any under the flood with a table of 64: the keys past it as each interface\'s other, every sample adding up', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { sample, sent } = await flood(t, 'anyflood', ['-i', 'any', '--max-entries', '64']);
  const frame = udp4Frame(64);
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(counter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17 }), { bytes: sum(sent) * frame, packets: sum(sent) });
    const other = byCounter(sample, { interface: 'lo', direction, family: 'ipv4', protocol: 17, port: 'other' });
    assert.ok(other.packets > 0, `${direction}: the ports past the table are other`);
  }
  const keys = sample.breakdown?.counters.filter((c) => typeof c.port === 'number') ?? [];
  assert.equal(keys.length, 64, 'the table holds exactly its size');
});

test('-i any --by port --metrics --max-series 4: the real device names, one budget across devices, each device\'s series adding up', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, serve, call } = await echoPair(t, 'anyprom');
  const port = 9472;
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'any', '--by', 'port', '--metrics', `127.0.0.1:${port}`, '--max-series', '4']);
  t.after(() => void sockex.stop().catch(() => undefined));
  // Two ports on the veth and two on lo, each seen tx and rx: 8 keys for 4 series.
  for (const server of [7000, 7002]) await serve('192.0.2.2', server, 1);
  call('192.0.2.2', 7000, 40000, [100]);
  call('192.0.2.2', 7002, 40002, [100]);
  a.tool('udp', ['4', '30', '5300', '45300']);
  a.tool('udp', ['4', '40', '5302', '45302']);
  let text = '';
  const udp = (device: string, direction: string) =>
    exposition(text, 'sockex_breakdown_bytes_total').filter((s) => s.labels.device === device && s.labels.direction === direction && s.labels.protocol === 'udp');
  const want = { 'veth-a': 2 * udp4Frame(100), lo: udp4Frame(30) + udp4Frame(40) };
  await waitFor(
    () => {
      text = httpGet(a, `http://127.0.0.1:${port}/metrics`) ?? '';
      return Object.entries(want).every(([device, bytes]) => ['transmit', 'receive'].every((d) => sum(udp(device, d).map((s) => s.value)) === bytes));
    },
    20_000,
    () => `the breakdown metrics never added up per device: ${text}`,
  );
  const all = exposition(text, 'sockex_breakdown_bytes_total');
  assert.deepEqual([...new Set(all.map((s) => s.labels.device))].sort(), ['lo', 'veth-a'], 'the interfaces\' own names');
  assert.equal(all.filter((s) => s.labels.port !== 'other').length, 4, 'four series of their own across both devices');
  for (const [device, bytes] of Object.entries(want)) {
    for (const direction of ['transmit', 'receive']) {
      const protocol = exposition(text, 'sockex_bytes_total').find((s) => s.labels.device === device && s.labels.direction === direction && s.labels.protocol === 'udp');
      assert.equal(protocol?.value, bytes, `${device} ${direction}: the protocol total`);
    }
  }
  assert.equal(await sockex.stop(), 0);
});
