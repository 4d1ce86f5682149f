/**
 * --by port and --by host end to end: the real breakdown filter, attached by
 * the real CLI in fresh namespaces, counting real UDP and TCP flows to known
 * ports over lo and a veth pair. Every port and host counter is computed from
 * what was sent, and every breakdown adds up to its protocol's counter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI, NetNs, counter, requireRoot, startSockex, waitFor, RunningSockex } from './harness.js';
import { PORT_PROTOCOLS, assertAddsUp, byCounter, byPort, echoPair, everyIp, exposition, sum } from './breakdown-checks.js';
import { ETH_HLEN, IPV4_HLEN, IPV6_HLEN, PING4_FRAME, udp4Frame, udp6Frame } from './frames.js';
import { httpGet } from './http-get.js';

test('--by port on lo: UDP and TCP to known ports, IPv4 and IPv6, exact per port each way', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'byport');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '--by', 'port']);
  const sizes4 = [0, 100, 1472, 8000];
  const sizes6 = [10, 1452];
  ns.tool('udp', ['4', sizes4.join(','), '53', '45000']);
  ns.tool('udp', ['6', sizes6.join(','), '5301', '45001']);
  ns.tool('tcp', ['4', '100000', '8080']);
  ns.tool('tcp', ['6', '50000', '8081']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assert.deepEqual(sample.breakdown?.by, ['port']);
  for (const direction of ['tx', 'rx'] as const) {
    // On lo each frame is seen once sent and once received; the service port is the lower one.
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 17, port: 53 }), {
      bytes: sum(sizes4.map(udp4Frame)),
      packets: sizes4.length,
    });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv6', protocol: 17, port: 5301 }), {
      bytes: sum(sizes6.map(udp6Frame)),
      packets: sizes6.length,
    });
    // Every TCP frame of a connection, both ways, is on the server's port.
    for (const [family, port] of [['ipv4', 8080], ['ipv6', 8081]] as const) {
      const total = counter(sample, { direction, family, protocol: 6 });
      assert.ok(total.bytes > 50000, `TCP ${family} was counted`);
      assert.deepEqual(byCounter(sample, { direction, family, protocol: 6, port }), total, `TCP ${family} ${direction} on port ${port}`);
    }
  }
  assertAddsUp(sample, byPort);
  const dns = sample.breakdown?.counters.find((c) => c.port === 53);
  assert.equal(dns?.service, 'domain', '/etc/services names port 53');
  assert.equal(dns?.name, 'UDP');
  assert.ok(sample.breakdown?.counters.every((c) => c.host === undefined && PORT_PROTOCOLS.has(c.protocol)), 'by port alone: no hosts, no portless protocols');
  // The line and protocol outputs are untouched: the same counters as without --by.
  assert.ok(sample.counters.some((c) => c.protocol === 17 && c.family === 'ipv4'));
});

test('--by host on a veth pair: the other end of each frame, IPv4 and IPv6, exact each way', async (t) => {
  if (!requireRoot(t)) return;
  const { a, serve, call } = await echoPair(t, 'byhost');
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'veth-a', '--by', 'host']);
  const sizes = [100, 200, 1000];
  await serve('192.0.2.2', 7000, sizes.length);
  await serve('fd00::2', 7001, sizes.length);
  call('192.0.2.2', 7000, 40000, sizes);
  call('fd00::2', 7001, 40001, sizes);
  a.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.01', '192.0.2.2']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assert.deepEqual(sample.breakdown?.by, ['host']);
  for (const direction of ['tx', 'rx'] as const) {
    // tx: what a sent to b (destination b); rx: b's echoes (source b).
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 17, host: '192.0.2.2' }), {
      bytes: sum(sizes.map(udp4Frame)),
      packets: sizes.length,
    });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv6', protocol: 17, host: 'fd00::2' }), {
      bytes: sum(sizes.map(udp6Frame)),
      packets: sizes.length,
    });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 1, host: '192.0.2.2' }), { bytes: 2 * PING4_FRAME, packets: 2 });
  }
  // Whatever else crossed the link (neighbour discovery to multicast addresses) is split as well.
  assertAddsUp(sample, everyIp);
  assert.ok(sample.breakdown?.counters.every((c) => c.port === undefined && c.interface === 'veth-a'));
});

test('--by port,host (conversations): fragments without a port count as port none, still adding up', async (t) => {
  if (!requireRoot(t)) return;
  const { a, serve, call, tcp } = await echoPair(t, 'byconv');
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'veth-a', '--by', 'port', '--by', 'host']);
  // 3000 bytes do not fit the veth's 1500-byte MTU: each way, three fragments, and only the first has the UDP header.
  const sizes = [100, 3000];
  await serve('192.0.2.2', 7000, sizes.length);
  await serve('fd00::2', 7000, sizes.length);
  call('192.0.2.2', 7000, 40000, sizes);
  call('fd00::2', 7000, 40001, sizes);
  // TCP both ways over the link: every frame of a connection is on the server's port and peer.
  await tcp('192.0.2.2', 8443, 200_000);
  await tcp('fd00::2', 8443, 100_000);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assert.deepEqual(sample.breakdown?.by, ['port', 'host']);
  for (const direction of ['tx', 'rx'] as const) {
    for (const [family, host] of [['ipv4', '192.0.2.2'], ['ipv6', 'fd00::2']] as const) {
      const total = counter(sample, { direction, family, protocol: 6 });
      assert.ok(total.packets >= 5, `TCP ${family} ${direction} was counted`);
      assert.deepEqual(byCounter(sample, { direction, family, protocol: 6, host, port: 8443 }), total, `TCP ${family} ${direction} on ${host} port 8443`);
    }
  }
  // IPv4: 3008 bytes of UDP in fragments of 1480, 1480 and 48.
  const v4First = ETH_HLEN + IPV4_HLEN + 1480;
  const v4Rest = [ETH_HLEN + IPV4_HLEN + 1480, ETH_HLEN + IPV4_HLEN + 48];
  // IPv6: a fragment header each, fragments of 1448, 1448 and 112.
  const FRAGMENT_HLEN = 8;
  const v6First = ETH_HLEN + IPV6_HLEN + FRAGMENT_HLEN + 1448;
  const v6Rest = [ETH_HLEN + IPV6_HLEN + FRAGMENT_HLEN + 1448, ETH_HLEN + IPV6_HLEN + FRAGMENT_HLEN + 112];
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 17, host: '192.0.2.2', port: 7000 }), { bytes: udp4Frame(100) + v4First, packets: 2 });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv4', protocol: 17, host: '192.0.2.2', port: 'none' }), { bytes: sum(v4Rest), packets: 2 });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv6', protocol: 17, host: 'fd00::2', port: 7000 }), { bytes: udp6Frame(100) + v6First, packets: 2 });
    assert.deepEqual(byCounter(sample, { direction, family: 'ipv6', protocol: 17, host: 'fd00::2', port: 'none' }), { bytes: sum(v6Rest), packets: 2 });
  }
  assertAddsUp(sample, everyIp);
  // Protocols without ports are split by host only.
  assert.ok(sample.breakdown?.counters.every((c) => (c.port === undefined) === !PORT_PROTOCOLS.has(c.protocol) && c.host !== undefined));
});

test('a table filled past --max-entries: new keys go to port "other", totals still exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'byfull');
  const maxEntries = 8;
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '--by', 'port', '--max-entries', String(maxEntries)]);
  // 12 flows, each seen tx and rx on lo: 24 keys for 8 places.
  const flows = Array.from({ length: 12 }, (_, i) => ({ server: 6100 + i, client: 46000 + i, size: 10 + i }));
  for (const flow of flows) ns.tool('udp', ['4', String(flow.size), String(flow.server), String(flow.client)]);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  const named = sample.breakdown?.counters.filter((c) => typeof c.port === 'number') ?? [];
  assert.equal(named.length, maxEntries, 'the table holds exactly its size');
  for (const c of named) {
    const flow = flows.find((f) => f.server === c.port);
    assert.ok(flow, `port ${c.port} is one of ours`);
    assert.deepEqual({ bytes: c.bytes, packets: c.packets }, { bytes: udp4Frame(flow.size), packets: 1 }, `port ${c.port} ${c.direction}`);
  }
  for (const direction of ['tx', 'rx'] as const) {
    const total = counter(sample, { direction, family: 'ipv4', protocol: 17 });
    assert.deepEqual(total, { bytes: sum(flows.map((f) => udp4Frame(f.size))), packets: flows.length });
    const other = byCounter(sample, { direction, family: 'ipv4', protocol: 17, port: 'other' });
    assert.ok(other.packets > 0, `${direction}: frames past the table are counted as other`);
  }
  assertAddsUp(sample, byPort);
});

test('--by port --metrics --max-series 20: a port label only on the breakdown metrics, 20 port series, the rest as other', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'byprom');
  const port = 9471;
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '--by', 'port', '--metrics', `127.0.0.1:${port}`, '--max-series', '20']);
  t.after(() => void sockex.stop().catch(() => undefined));
  // 15 flows, tx and rx on lo, before any scrape: 30 port keys for 20 places, none idle long enough to give one up.
  const flows = Array.from({ length: 15 }, (_, i) => ({ server: 6200 + i, client: 46100 + i, size: 20 + i }));
  for (const flow of flows) ns.tool('udp', ['4', String(flow.size), String(flow.server), String(flow.client)]);
  const total = sum(flows.map((f) => udp4Frame(f.size)));
  let text = '';
  const udpSeries = (direction: string) => exposition(text, 'sockex_breakdown_bytes_total').filter((s) => s.labels.direction === direction && s.labels.protocol === 'udp');
  await waitFor(
    () => {
      text = httpGet(ns, `http://127.0.0.1:${port}/metrics`) ?? '';
      return ['transmit', 'receive'].every((d) => sum(udpSeries(d).map((s) => s.value)) === total);
    },
    20_000,
    () => `the breakdown metrics never added up to ${total}: ${text}`,
  );
  const all = exposition(text, 'sockex_breakdown_bytes_total');
  const own = all.filter((s) => s.labels.port !== 'other');
  assert.equal(own.length, 20, 'twenty series of their own');
  assert.ok(own.every((s) => s.labels.device === 'lo' && s.labels.host === undefined));
  for (const s of own) {
    const flow = flows.find((f) => String(f.server) === s.labels.port);
    assert.ok(flow, `port ${s.labels.port} is one of ours`);
    assert.equal(s.value, udp4Frame(flow.size), `port ${s.labels.port} ${s.labels.direction}`);
  }
  for (const direction of ['transmit', 'receive']) {
    assert.equal(udpSeries(direction).filter((s) => s.labels.port === 'other').length, 1, `${direction}: one other series`);
    const protocol = exposition(text, 'sockex_bytes_total').find((s) => s.labels.direction === direction && s.labels.protocol === 'udp');
    assert.equal(protocol?.value, total, `${direction}: the protocol total`);
  }
  assert.ok(exposition(text, 'sockex_bytes_total').every((s) => s.labels.port === undefined), 'the protocol metrics carry no port label');
  assert.equal(await sockex.stop(), 0);
});

test('the breakdown filters (named interfaces and -i any) load and count with CAP_BPF and CAP_NET_RAW alone (the verifier\'s stricter checks)', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'bycaps');
  const caps = '-all,+bpf,+net_raw';
  for (const [by, ...iface] of [['port'], ['host'], ['port,host'], ['port', '-i', 'any'], ['host', '-i', 'any'], ['port,host', '-i', 'any']] as [string, ...string[]][]) {
    const args = ['--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, process.execPath, CLI, '--json', '--interval', '0.2', '--by', by, ...iface];
    const sockex = new RunningSockex(ns.spawn('setpriv', args));
    await sockex.attached();
    ns.tool('udp', ['4', '50', '5400', '45400']);
    assert.equal(await sockex.stop(), 0, sockex.stderr);
    const want = { direction: 'tx' as const, family: 'ipv4' as const, protocol: 17, ...(by.includes('port') ? { port: 5400 } : {}), ...(by.includes('host') ? { host: '127.0.0.1' } : {}) };
    assert.deepEqual(byCounter(sockex.lastSample(), want), { bytes: udp4Frame(50), packets: 1 }, `--by ${by} ${iface.join(' ')}`);
  }
});
