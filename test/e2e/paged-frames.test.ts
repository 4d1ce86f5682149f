/**
 * Frames whose IP header is not in the skb's linear area, on real links:
 * PACKET_TX_RING frames (the kernel keeps only the link header linear and maps
 * the rest from the ring's pages) and packet-socket sendto() frames above a
 * page, on lo and on a veth pair, and IP packets on a tun device (no link
 * header at all). Each is counted under its protocol, exact in bytes and
 * packets, by `-i NAME` and by `-i any` running side by side. Malformed IP on
 * the tun checks the length guards of the loads at offset 0: a load past the
 * end would end the filter and leave the packet uncounted.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { killOnEnd } from './cli-run.js';
import { ipv4, ipv6 } from './frames.js';
import { NetNs, ROOT, counter, requireRoot, startSockex, type JsonSample, type RunningSockex } from './harness.js';

const PACKET_SEND = `${ROOT}test/fixtures/build/packet-send`;
const UDP = 17;
const ICMP = 1;

type Family = 'ipv4' | 'ipv6';
interface Expected {
  interface: string;
  direction: 'tx' | 'rx';
  family: Family | 'other';
  protocol: number;
  bytes: number;
  packets: number;
}

/** A namespace without IPv6 on its links: no neighbour discovery in the counts. */
function quietNs(t: TestContext, label: string): NetNs {
  const ns = NetNs.create(t, label);
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  return ns;
}

/** sockex on the named interfaces and sockex -i any, both attached. */
async function startBoth(t: TestContext, ns: NetNs, interfaces: string[]): Promise<{ named: RunningSockex; any: RunningSockex }> {
  const named = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', ...interfaces.flatMap((i) => ['-i', i])]));
  const any = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'any']));
  return { named, any };
}

/** A quiet namespace with the tun device sxt up, and sockex on it both ways. */
async function onTun(t: TestContext, label: string): Promise<{ ns: NetNs; both: { named: RunningSockex; any: RunningSockex } }> {
  const ns = quietNs(t, label);
  ns.exec('ip', ['tuntap', 'add', 'mode', 'tun', 'name', 'sxt']);
  ns.exec('ip', ['link', 'set', 'sxt', 'up']);
  return { ns, both: await startBoth(t, ns, ['sxt']) };
}

/** Send with the C fixture; it must report every frame sent, each of size bytes. */
function send(ns: NetNs, mode: 'ring' | 'sendto', iface: string, family: 4 | 6, size: number, count: number): void {
  const result = JSON.parse(ns.exec(PACKET_SEND, [mode, iface, String(family), String(size), String(count)])) as { sent: number; length: number };
  assert.deepEqual(result, { sent: count, length: size }, `${mode} ${iface} IPv${family} ${size} bytes`);
}

/** Stop both, then every expected counter exact and nothing else counted, in each. */
async function assertCounted(both: { named: RunningSockex; any: RunningSockex }, expected: Expected[]): Promise<void> {
  const framesSent = expected.reduce((sum, e) => sum + e.packets, 0);
  const framesSeen = (sample: JsonSample): number => sample.counters.reduce((sum, c) => sum + c.packets, 0);
  for (const sockex of Object.values(both)) await sockex.sampleShowing((sample) => framesSeen(sample) >= framesSent);
  for (const [label, sockex] of Object.entries(both)) {
    assert.equal(await sockex.stop(), 0, `${label}: ${sockex.stderr}`);
    const last: JsonSample = sockex.lastSample();
    for (const want of expected) {
      assert.deepEqual(counter(last, want), { bytes: want.bytes, packets: want.packets }, `${label}: ${want.interface} ${want.direction} ${want.family}/${want.protocol}`);
    }
    const total = last.counters.reduce((sum, c) => sum + c.packets, 0);
    assert.equal(total, expected.reduce((sum, e) => sum + e.packets, 0), `${label}: nothing else counted: ${JSON.stringify(last.counters)}`);
  }
}

/** Adds up what was sent per (interface, direction, family, protocol). */
class Tally {
  readonly expected: Expected[] = [];

  add(where: Omit<Expected, 'bytes' | 'packets'>, bytes: number, packets: number): void {
    const same = this.expected.find(
      (e) => e.interface === where.interface && e.direction === where.direction && e.family === where.family && e.protocol === where.protocol,
    );
    if (same) {
      same.bytes += bytes;
      same.packets += packets;
    } else {
      this.expected.push({ ...where, bytes, packets });
    }
  }
}

const RING_SIZES = [100, 600, 1514];
/** Above a page: the kernel gives a packet-socket frame paged data. */
const LARGE = 8000;

test('PACKET_TX_RING and large sendto() frames on lo: counted under UDP, exact, both directions', async (t) => {
  if (!requireRoot(t)) return;
  const ns = quietNs(t, 'paged-lo');
  const both = await startBoth(t, ns, ['lo']);
  const tally = new Tally();
  const count = 3;
  for (const family of [4, 6] as const) {
    const fam: Family = family === 4 ? 'ipv4' : 'ipv6';
    for (const [mode, size] of [...RING_SIZES.map((s) => ['ring', s] as const), ['sendto', LARGE] as const]) {
      send(ns, mode, 'lo', family, size, count);
      // lo hands every frame it sends back to itself: once tx, once rx.
      for (const direction of ['tx', 'rx'] as const) tally.add({ interface: 'lo', direction, family: fam, protocol: UDP }, count * size, count);
    }
  }
  await assertCounted(both, tally.expected);
});

test('PACKET_TX_RING and large sendto() frames on a veth pair (MTU 9000): tx on the sender, rx on the peer', async (t) => {
  if (!requireRoot(t)) return;
  const ns = quietNs(t, 'paged-veth');
  // sxb's large ifindex puts its link-header length in -i any's hash rather than its array.
  ns.exec('ip', ['link', 'add', 'sxa', 'mtu', '9000', 'type', 'veth', 'peer', 'name', 'sxb', 'mtu', '9000', 'index', '5000']);
  ns.exec('ip', ['link', 'set', 'sxa', 'up']);
  ns.exec('ip', ['link', 'set', 'sxb', 'up']);
  const both = await startBoth(t, ns, ['sxa', 'sxb']);
  const tally = new Tally();
  const count = 4;
  for (const family of [4, 6] as const) {
    const fam: Family = family === 4 ? 'ipv4' : 'ipv6';
    for (const [mode, size] of [...RING_SIZES.map((s) => ['ring', s] as const), ['sendto', LARGE] as const, ['ring', LARGE] as const]) {
      send(ns, mode, 'sxa', family, size, count);
      tally.add({ interface: 'sxa', direction: 'tx', family: fam, protocol: UDP }, count * size, count);
      tally.add({ interface: 'sxb', direction: 'rx', family: fam, protocol: UDP }, count * size, count);
    }
  }
  await assertCounted(both, tally.expected);
});

test('a tun device (no link header): IPv4 UDP, IPv6 UDP and ICMP received, bytes without a link header', async (t) => {
  if (!requireRoot(t)) return;
  const { ns, both } = await onTun(t, 'paged-tun');
  const packets: { family: Family; protocol: number; packet: Buffer; count: number }[] = [
    { family: 'ipv4', protocol: UDP, packet: ipv4(UDP, { payload: 8 + 100 }), count: 3 },
    { family: 'ipv6', protocol: UDP, packet: ipv6(UDP, Buffer.alloc(8 + 200)), count: 4 },
    { family: 'ipv4', protocol: ICMP, packet: ipv4(ICMP, { payload: 8 + 56 }), count: 5 },
  ];
  const written = JSON.parse(ns.tool('tun-write', ['sxt', ...packets.flatMap((p) => [p.packet.toString('hex'), String(p.count)])])) as { written: number };
  assert.equal(written.written, 3 + 4 + 5);
  const tally = new Tally();
  for (const p of packets) tally.add({ interface: 'sxt', direction: 'rx', family: p.family, protocol: p.protocol }, p.count * p.packet.length, p.count);
  await assertCounted(both, tally.expected);
});

test('a tun device: malformed IP read without a link header lands in the documented buckets', async (t) => {
  if (!requireRoot(t)) return;
  const { ns, both } = await onTun(t, 'paged-tun-odd');
  const hopByHopTo = (next: number): Buffer => Buffer.from([next, 0, 0, 0, 0, 0, 0, 0]);
  const cases: { what: string; packet: Buffer; family: Family | 'other'; protocol: number }[] = [
    { what: 'IPv4 cut before the protocol field', packet: ipv4(UDP).subarray(0, 9), family: 'other', protocol: 0x0800 },
    { what: 'IPv4 cut after the protocol field', packet: ipv4(UDP).subarray(0, 10), family: 'ipv4', protocol: UDP },
    { what: 'IPv4 with IHL 4', packet: ipv4(UDP, { ihl: 4 }), family: 'other', protocol: 0x0800 },
    { what: 'IPv6 cut before the next header', packet: ipv6(UDP).subarray(0, 7), family: 'other', protocol: 0x86dd },
    // Hop-by-hop announcing destination options (60), then the packet ends.
    { what: 'IPv6 extension chain cut short', packet: ipv6(0, hopByHopTo(60)), family: 'ipv6', protocol: 60 },
    { what: 'IPv6 hop-by-hop then UDP', packet: ipv6(0, Buffer.concat([hopByHopTo(UDP), Buffer.alloc(8)])), family: 'ipv6', protocol: UDP },
  ];
  const written = JSON.parse(ns.tool('tun-write', ['sxt', ...cases.flatMap((c) => [c.packet.toString('hex'), '2'])])) as { written: number };
  assert.equal(written.written, 2 * cases.length);
  const tally = new Tally();
  for (const c of cases) tally.add({ interface: 'sxt', direction: 'rx', family: c.family, protocol: c.protocol }, 2 * c.packet.length, 2);
  await assertCounted(both, tally.expected);
});

test('--by port,host reads ports and addresses in paged data too: PACKET_TX_RING and large frames on a veth pair', async (t) => {
  if (!requireRoot(t)) return;
  const ns = quietNs(t, 'paged-by');
  ns.exec('ip', ['link', 'add', 'sxa', 'mtu', '9000', 'type', 'veth', 'peer', 'name', 'sxb', 'mtu', '9000']);
  ns.exec('ip', ['link', 'set', 'sxa', 'up']);
  ns.exec('ip', ['link', 'set', 'sxb', 'up']);
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'sxa', '-i', 'sxb', '--by', 'port,host']));
  const count = 2;
  const sent = { ipv4: 0, ipv6: 0 };
  for (const family of [4, 6] as const) {
    for (const [mode, size] of [...RING_SIZES.map((s) => ['ring', s] as const), ['sendto', LARGE] as const, ['ring', LARGE] as const]) {
      send(ns, mode, 'sxa', family, size, count);
      sent[family === 4 ? 'ipv4' : 'ipv6'] += count * size;
    }
  }
  const packets = count * (RING_SIZES.length + 2);
  await sockex.sampleShowing((sample) => (sample.breakdown?.counters ?? []).reduce((sum, c) => sum + c.packets, 0) >= 4 * packets);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  // packet-send's frames: UDP port 9 both ways, 192.0.2.1 -> 192.0.2.2, 2001:db8::1 -> 2001:db8::2.
  // The other end is the destination on the sender, the source on the peer; none is "none".
  const rows = (sockex.lastSample().breakdown?.counters ?? []).map((c) => `${c.interface} ${c.direction} ${c.family}/${c.protocol} ${c.host} port ${c.port}: ${c.bytes} B ${c.packets}`);
  assert.deepEqual(rows.sort(), [
    `sxa tx ipv4/${UDP} 192.0.2.2 port 9: ${sent.ipv4} B ${packets}`,
    `sxa tx ipv6/${UDP} 2001:db8::2 port 9: ${sent.ipv6} B ${packets}`,
    `sxb rx ipv4/${UDP} 192.0.2.1 port 9: ${sent.ipv4} B ${packets}`,
    `sxb rx ipv6/${UDP} 2001:db8::1 port 9: ${sent.ipv6} B ${packets}`,
  ]);
});
