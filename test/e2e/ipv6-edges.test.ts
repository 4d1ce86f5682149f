/**
 * IPv6 packets at the edges of the extension chain (later fragments, headers
 * cut short; frames.ts IPV6_EDGES) on a real link, through every filter: the
 * one-interface filter, the every-interface filter and the breakdown filter,
 * all reading with legacy loads from the link header. Sent with an
 * AF_PACKET socket on one end of a veth pair: tx on the sender, rx on the
 * peer, exact in bytes and packets. And an IPv4-mapped source under --by
 * host, written as inet_ntop writes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { killOnEnd } from './cli-run.js';
import { ETH_HLEN, IPV6_EDGES, ether, ipv6 } from './frames.js';
import { counter, NetNs, requireRoot, startSockex, waitFor, type JsonSample } from './harness.js';

const FILTERS = [
  { what: 'the one-interface filter', args: ['-i', 'sxa', '-i', 'sxb'] },
  { what: 'the every-interface filter', args: ['-i', 'any'] },
  { what: 'the breakdown filter', args: ['-i', 'sxa', '-i', 'sxb', '--by', 'port,host'] },
];

for (const filter of FILTERS) {
  test(`IPv6 chain edges on a veth, ${filter.what}: later fragments and cut-short headers in their documented bucket`, async (t) => {
    if (!requireRoot(t)) return;
    const ns = NetNs.create(t, 'v6edge');
    // No IPv6 on the link: no neighbour discovery frames in the counts.
    ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    ns.exec('ip', ['link', 'add', 'sxa', 'type', 'veth', 'peer', 'name', 'sxb']);
    ns.exec('ip', ['link', 'set', 'sxa', 'up']);
    ns.exec('ip', ['link', 'set', 'sxb', 'up']);
    const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', ...filter.args]));

    const expected = new Map<number, { bytes: number; packets: number }>();
    IPV6_EDGES.forEach((edge, i) => {
      const count = i + 2;
      const frame = ether(0x86dd, edge.packet);
      const result = JSON.parse(ns.tool('raw-hex', ['sxa', frame.toString('hex'), String(count)])) as { sent: number; length: number };
      assert.equal(result.sent, count, `${edge.what}: sent`);
      assert.equal(result.length, ETH_HLEN + edge.packet.length);
      const was = expected.get(edge.protocol) ?? { bytes: 0, packets: 0 };
      expected.set(edge.protocol, { bytes: was.bytes + count * result.length, packets: was.packets + count });
    });
    const sent = [...expected.values()].reduce((sum, e) => sum + e.packets, 0);
    const seen = (sample: JsonSample): number => sample.counters.reduce((sum, c) => sum + c.packets, 0);
    await waitFor(() => sockex.samples().some((s) => seen(s) >= 2 * sent), 10_000, () => `not every frame was counted: ${sockex.stdout.slice(-2000)}`);
    assert.equal(await sockex.stop(), 0, sockex.stderr);

    const last = sockex.lastSample();
    for (const [protocol, want] of expected) {
      assert.deepEqual(counter(last, { interface: 'sxa', direction: 'tx', family: 'ipv6', protocol }), want, `sxa tx ipv6/${protocol}`);
      assert.deepEqual(counter(last, { interface: 'sxb', direction: 'rx', family: 'ipv6', protocol }), want, `sxb rx ipv6/${protocol}`);
    }
    assert.equal(seen(last), 2 * sent, `nothing else was counted: ${JSON.stringify(last.counters)}`);
    const breakdown = last.breakdown?.counters;
    assert.equal(breakdown !== undefined, filter.args.includes('--by'), 'a breakdown with --by only');
    // The breakdown of each protocol adds up to it.
    for (const c of breakdown ? last.counters : []) {
      const parts = (breakdown ?? []).filter((b) => b.interface === c.interface && b.direction === c.direction && b.family === c.family && b.protocol === c.protocol);
      const total = { bytes: parts.reduce((sum, b) => sum + b.bytes, 0), packets: parts.reduce((sum, b) => sum + b.packets, 0) };
      assert.deepEqual(total, { bytes: c.bytes, packets: c.packets }, `the breakdown of ${c.interface} ${c.direction} ipv6/${c.protocol}`);
    }
  });
}

test('--by host writes an IPv4-mapped source as ::ffff:192.0.2.1 (RFC 5952 section 5), exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'v6mapped');
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  ns.exec('ip', ['link', 'add', 'sxa', 'type', 'veth', 'peer', 'name', 'sxb']);
  ns.exec('ip', ['link', 'set', 'sxa', 'up']);
  ns.exec('ip', ['link', 'set', 'sxb', 'up']);
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'sxb', '--by', 'host']));
  // UDP from ::ffff:192.0.2.1 to ::ffff:192.0.2.2: rx on sxb is keyed by the source.
  const packet = ipv6(17, Buffer.alloc(8 + 12));
  packet.set([0xff, 0xff, 192, 0, 2, 1], 8 + 10);
  packet.set([0xff, 0xff, 192, 0, 2, 2], 24 + 10);
  const result = JSON.parse(ns.tool('raw-hex', ['sxa', ether(0x86dd, packet).toString('hex'), '3'])) as { sent: number; length: number };
  assert.equal(result.sent, 3);
  const want = { bytes: 3 * result.length, packets: 3 };
  const hosts = (sample: JsonSample) => (sample.breakdown?.counters ?? []).filter((c) => c.direction === 'rx' && c.protocol === 17);
  await waitFor(() => sockex.samples().some((s) => hosts(s).reduce((sum, c) => sum + c.packets, 0) >= 3), 10_000, () => `not counted: ${sockex.stdout.slice(-2000)}`);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const rx = hosts(sockex.lastSample());
  assert.deepEqual(rx.map((c) => ({ host: c.host, bytes: c.bytes, packets: c.packets })), [{ host: '::ffff:192.0.2.1', ...want }]);
});
