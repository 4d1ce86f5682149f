/**
 * Odd frames on a real link: crafted frames sent with an AF_PACKET socket on
 * one end of a veth pair, counted by the real CLI on both ends (tx on the
 * sender, rx on the peer). On the wire skb->len includes the Ethernet header,
 * and the receive path strips one VLAN tag into skb->vlan_tci (as a NIC with
 * VLAN offload would) before the filter sees the frame.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { killOnEnd } from './cli-run.js';
import { counter, NetNs, requireRoot, startSockex, type JsonSample } from './harness.js';

const BROADCAST = 'ffffffffffff020000000001';
const VLAN_HLEN = 4;

function udp4Header(): string {
  // version/IHL 0x45, total length 36, TTL 64, protocol 17; 20 + 8 + 8 bytes.
  return '45000024000000004011' + '00'.repeat(10) + '00'.repeat(16);
}

function ipv6Header(payloadLength: number, nextHeader: number): string {
  // version 6, payload length, next header, hop limit 64, two zero addresses.
  return `6000000${'0'}${payloadLength.toString(16).padStart(4, '0')}${nextHeader.toString(16).padStart(2, '0')}40${'00'.repeat(32)}`;
}

interface Case {
  what: string;
  hex: string;
  count: number;
  tx: { family: 'ipv4' | 'ipv6' | 'other'; protocol: number };
  rx: { family: 'ipv4' | 'ipv6' | 'other'; protocol: number; strippedTag?: boolean };
}

const CASES: Case[] = [
  { what: 'IPv4 cut before the protocol field', hex: `${BROADCAST}0800450000ab`, count: 3, tx: { family: 'other', protocol: 0x0800 }, rx: { family: 'other', protocol: 0x0800 } },
  { what: 'IPv4 with IHL 4', hex: `${BROADCAST}0800${udp4Header().replace(/^45/, '44')}`, count: 2, tx: { family: 'other', protocol: 0x0800 }, rx: { family: 'other', protocol: 0x0800 } },
  { what: 'IPv4 cut after the protocol field', hex: `${BROADCAST}0800${udp4Header().slice(0, 24)}`, count: 4, tx: { family: 'ipv4', protocol: 17 }, rx: { family: 'ipv4', protocol: 17 } },
  { what: 'IPv6 cut before the next header', hex: `${BROADCAST}86dd600000`, count: 5, tx: { family: 'other', protocol: 0x86dd }, rx: { family: 'other', protocol: 0x86dd } },
  // Hop-by-hop (0) -> destination options (60) -> UDP: the chain is followed to UDP.
  { what: 'IPv6 with two extension headers, UDP', hex: `${BROADCAST}86dd${ipv6Header(24, 0)}3c00${'00'.repeat(6)}1100${'00'.repeat(6)}${'00'.repeat(8)}`, count: 3, tx: { family: 'ipv6', protocol: 17 }, rx: { family: 'ipv6', protocol: 17 } },
  // Hop-by-hop announcing destination options, then the frame ends: counted where the walk stopped.
  { what: 'IPv6 extension chain cut short', hex: `${BROADCAST}86dd${ipv6Header(8, 0)}3c00${'00'.repeat(6)}`, count: 2, tx: { family: 'ipv6', protocol: 60 }, rx: { family: 'ipv6', protocol: 60 } },
  // The sender's socket protocol is 0: tx keeps it; the receiver reads 0 as an 802.3 length (802.2 LLC).
  { what: 'EtherType 0', hex: `${BROADCAST}0000${'42'.repeat(46)}`, count: 6, tx: { family: 'other', protocol: 0 }, rx: { family: 'other', protocol: 0x0004 } },
  { what: 'one VLAN tag, IPv4 UDP', hex: `${BROADCAST}810000070800${udp4Header()}`, count: 7, tx: { family: 'ipv4', protocol: 17 }, rx: { family: 'ipv4', protocol: 17, strippedTag: true } },
  { what: 'two stacked tags (802.1ad, 802.1Q), IPv4 UDP', hex: `${BROADCAST}88a8000781000008${'0800'}${udp4Header()}`, count: 8, tx: { family: 'ipv4', protocol: 17 }, rx: { family: 'ipv4', protocol: 17, strippedTag: true } },
  { what: 'a tag announcing IPv4 with 2 bytes of it', hex: `${BROADCAST}8100000708004500`, count: 9, tx: { family: 'other', protocol: 0x0800 }, rx: { family: 'other', protocol: 0x0800, strippedTag: true } },
];

test('odd frames on a veth: the documented bucket on both ends, exact bytes', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'wire');
  // No IPv6 on the link: no neighbour discovery frames in the counts.
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  ns.exec('ip', ['link', 'add', 'sxa', 'type', 'veth', 'peer', 'name', 'sxb']);
  ns.exec('ip', ['link', 'set', 'sxa', 'up']);
  ns.exec('ip', ['link', 'set', 'sxb', 'up']);
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'sxa', '-i', 'sxb']));

  const expected = new Map<string, { bytes: number; packets: number }>();
  const add = (key: string, bytes: number, packets: number): void => {
    const e = expected.get(key) ?? { bytes: 0, packets: 0 };
    expected.set(key, { bytes: e.bytes + bytes, packets: e.packets + packets });
  };
  for (const c of CASES) {
    const result = JSON.parse(ns.tool('raw-hex', ['sxa', c.hex, String(c.count)])) as { sent: number; length: number };
    assert.equal(result.sent, c.count, `${c.what}: sent`);
    add(`sxa/tx/${c.tx.family}/${c.tx.protocol}`, c.count * result.length, c.count);
    add(`sxb/rx/${c.rx.family}/${c.rx.protocol}`, c.count * (result.length - (c.rx.strippedTag ? VLAN_HLEN : 0)), c.count);
  }
  // A runt shorter than the Ethernet header never leaves: the kernel refuses to send it.
  const runt = JSON.parse(ns.tool('raw-hex', ['sxa', BROADCAST.slice(0, 22), '1'])) as { sent: number; errno?: number };
  assert.deepEqual([runt.sent, runt.errno], [0, constants.errno.EINVAL], 'sendto refuses a runt with EINVAL');

  const framesSeen = (sample: JsonSample): number => sample.counters.reduce((sum, c) => sum + c.packets, 0);
  await sockex.sampleShowing((sample) => framesSeen(sample) >= 2 * CASES.reduce((sum, c) => sum + c.count, 0));
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const last = sockex.lastSample();
  for (const [key, want] of expected) {
    const [iface, direction, family, protocol] = key.split('/') as [string, 'tx' | 'rx', 'ipv4' | 'ipv6' | 'other', string];
    assert.deepEqual(counter(last, { interface: iface, direction, family, protocol: Number(protocol) }), want, key);
  }
  // Nothing else was counted: every frame is in exactly one bucket.
  const totalPackets = last.counters.reduce((sum, c) => sum + c.packets, 0);
  assert.equal(totalPackets, 2 * CASES.reduce((sum, c) => sum + c.count, 0), JSON.stringify(last.counters));
});
