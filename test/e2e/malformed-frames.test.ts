/**
 * Malformed frames straight into the real filter with BPF_PROG_TEST_RUN (no
 * network): each frame lands in exactly one documented bucket, once, with
 * skb->len bytes, and the filter returns 0. See README "How odd frames are
 * counted".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { after, before, test } from 'node:test';
import { loadObject, type LoadedObject } from '../../src/kernel/libbpf/object.js';
import { openCounterMaps, type CounterMaps } from '../../src/kernel/maps/counter-maps.js';
import { DEFAULT_OBJECT_PATH } from '../../src/kernel/filters/filter.js';
import { IP_MAP, OTHER_MAP, PROGRAM_NAME } from '../../src/kernel/maps/layout.js';
import { loadNative, type Native } from '../../src/kernel/libbpf/native.js';
import { seededRandom } from '../unit/random-argv.js';
import { ROOT, requireRoot } from './harness.js';
import { ETH_HLEN, IPV4_HLEN, IPV6_EDGES, IPV6_HLEN, ether, ipv4, ipv6 } from './frames.js';
import { testRun } from './prog-test-run.js';

const { EINVAL } = constants.errno;
const IPPROTO = { HOPOPTS: 0, UDP: 17, ROUTING: 43, FRAGMENT: 44, ICMPV6: 58, DSTOPTS: 60 } as const;

/** The filter's loop bound, read from the header the filter is built from. */
const IPV6_MAX_EXT = Number(/#define SOCKEX_IPV6_MAX_EXT (\d+)/.exec(readFileSync(`${ROOT}bpf/sockex.h`, 'utf8'))?.[1]);

let native: Native;
let object: LoadedObject | undefined;
let maps: CounterMaps;

before(() => {
  if (process.getuid?.() !== 0) return;
  native = loadNative();
  object = loadObject(DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  maps = openCounterMaps(native, object.mapFd(IP_MAP), object.mapFd(OTHER_MAP));
});
after(() => object?.close());

type Bucket = `${'tx' | 'rx'}/${'ipv4' | 'ipv6' | 'other'}/${number}`;

function snapshot(): Map<string, { bytes: bigint; packets: bigint }> {
  return new Map(maps.read().map((r) => [`${r.direction}/${r.family}/${r.protocol}`, { bytes: r.bytes, packets: r.packets }]));
}

/** Run one frame; return the bucket that changed and by how much (exactly one must). */
function countOnce(frame: Buffer): { bucket: string; bytes: bigint; packets: bigint } {
  const before = snapshot();
  const { err, retval } = testRun(native, object!.programFd, frame);
  assert.equal(err, 0, `test run of a ${frame.length}-byte frame failed: ${err}`);
  assert.equal(retval, 0, 'the filter returns 0: nothing is queued to the socket');
  const changed = [...snapshot()].filter(([key, now]) => {
    const was = before.get(key);
    return !was || was.packets !== now.packets || was.bytes !== now.bytes;
  });
  assert.equal(changed.length, 1, `exactly one bucket changes, got ${changed.map(([k]) => k).join(', ') || 'none'}`);
  const [[bucket, now]] = changed as [[string, { bytes: bigint; packets: bigint }]];
  const was = before.get(bucket) ?? { bytes: 0n, packets: 0n };
  return { bucket, bytes: now.bytes - was.bytes, packets: now.packets - was.packets };
}

function expectBucket(frame: Buffer, bucket: Bucket): void {
  const got = countOnce(frame);
  assert.equal(got.bucket, bucket, `frame ${frame.subarray(0, 64).toString('hex')}`);
  assert.equal(got.packets, 1n, 'counted once');
  // skb->len: the kernel pulled the Ethernet header before the filter ran.
  assert.equal(got.bytes, BigInt(frame.length - ETH_HLEN), 'bytes = frame length without the Ethernet header');
}



/** An extension header of 8 bytes (hop-by-hop, routing, destination options, fragment). */
function ext(nextHeader: number): Buffer {
  const e = Buffer.alloc(8);
  e[0] = nextHeader;
  e[1] = 0; // (0 + 1) * 8 bytes; a fragment header is always 8
  return e;
}

/** An IPv6 packet whose chain is `types` (each an extension) and then `upper`. */
function ipv6Chain(types: number[], upper: number, payload = 8): Buffer {
  const [first = upper, ...restTypes] = types;
  const headers = types.map((_, i) => ext(i + 1 < types.length ? (restTypes[i] as number) : upper));
  return ipv6(types.length > 0 ? first : upper, Buffer.concat([...headers, Buffer.alloc(payload)]));
}

function vlanTag(innerEthertype: number, vid = 7): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt16BE(vid, 0);
  t.writeUInt16BE(innerEthertype, 2);
  return t;
}

test('a well-formed UDP frame: the control case (ipv4/UDP, bytes without the Ethernet header)', (t) => {
  if (!requireRoot(t)) return;
  expectBucket(ether(0x0800, ipv4(IPPROTO.UDP)), 'rx/ipv4/17');
  expectBucket(ether(0x86dd, ipv6(IPPROTO.UDP)), 'rx/ipv6/17');
});

test('runts shorter than an Ethernet header: the kernel refuses them (EINVAL), nothing is counted', (t) => {
  if (!requireRoot(t)) return;
  for (const length of [1, 6, 12, 13]) {
    const before = snapshot();
    const { err } = testRun(native, object!.programFd, Buffer.alloc(length, 0xff));
    assert.equal(err, -EINVAL, `a ${length}-byte frame`);
    assert.deepEqual(snapshot(), before, 'nothing counted');
  }
});

test('test-run itself refuses IPv4 frames without 20 header bytes and IPv6 without 40 (EINVAL)', (t) => {
  if (!requireRoot(t)) return;
  // The kernel's test-run pulls the IP header to fill in the test socket's
  // addresses; on the wire such frames do reach the filter (see the tagged
  // cases below and the end-to-end test in odd-frames-wire.test.ts).
  for (const [ethertype, minimum] of [[0x0800, 20], [0x86dd, 40]] as const) {
    for (const keep of [0, 1, minimum - 1]) {
      const before = snapshot();
      const { err } = testRun(native, object!.programFd, ether(ethertype, Buffer.alloc(keep, ethertype === 0x0800 ? 0x45 : 0x60)));
      assert.equal(err, -EINVAL, `EtherType ${ethertype.toString(16)} with ${keep} bytes after the Ethernet header`);
      assert.deepEqual(snapshot(), before, 'nothing counted');
    }
  }
  // Any other EtherType may be bare: counted under it, with 0 bytes.
  expectBucket(ether(0x0806, []), 'rx/other/2054');
});

test('truncated IPv4 headers (behind a VLAN tag, the way test-run lets them through)', (t) => {
  if (!requireRoot(t)) return;
  const tagged = (keep: number): Buffer => ether(0x8100, Buffer.concat([vlanTag(0x0800), ipv4(IPPROTO.UDP).subarray(0, keep)]));
  // Cut before the protocol field: the header cannot be read, so other/0x0800.
  for (const keep of [0, 1, 5, 9]) expectBucket(tagged(keep), 'rx/other/2048');
  // Cut after the protocol field (10..19 bytes): the protocol is known, counted under it.
  for (const keep of [10, 19]) expectBucket(tagged(keep), 'rx/ipv4/17');
});

test('IPv4 with IHL below 5, or another version under EtherType 0x0800: other/0x0800', (t) => {
  if (!requireRoot(t)) return;
  for (const ihl of [0, 1, 4]) expectBucket(ether(0x0800, ipv4(IPPROTO.UDP, { ihl })), 'rx/other/2048');
  expectBucket(ether(0x0800, ipv4(IPPROTO.UDP, { version: 6 })), 'rx/other/2048');
  // IHL above 5 (options) is fine.
  expectBucket(ether(0x0800, ipv4(IPPROTO.UDP, { ihl: 15, payload: 40 })), 'rx/ipv4/17');
});

test('truncated IPv6 headers (behind a VLAN tag)', (t) => {
  if (!requireRoot(t)) return;
  const tagged = (packet: Buffer): Buffer => ether(0x8100, Buffer.concat([vlanTag(0x86dd), packet]));
  // Cut before the next-header field: other/0x86DD.
  for (const keep of [0, 1, 4, 7]) expectBucket(tagged(ipv6(IPPROTO.UDP).subarray(0, keep)), 'rx/other/34525');
  // Next header readable (8..39 bytes), nothing behind it needed: counted under it.
  for (const keep of [8, 39]) expectBucket(tagged(ipv6(IPPROTO.UDP).subarray(0, keep)), 'rx/ipv6/17');
  expectBucket(ether(0x86dd, ipv6(IPPROTO.UDP, Buffer.alloc(0))), 'rx/ipv6/17');
  // Version field not 6 under EtherType 0x86DD.
  const wrong = ipv6(IPPROTO.UDP);
  wrong[0] = 0x40;
  expectBucket(ether(0x86dd, wrong), 'rx/other/34525');
});

test(`IPv6 extension chains: up to the bound (${IPV6_MAX_EXT}) followed, longer ones counted where the filter stopped`, (t) => {
  if (!requireRoot(t)) return;
  const max = IPV6_MAX_EXT;
  assert.ok(max >= 2, `SOCKEX_IPV6_MAX_EXT from bpf/sockex.h: ${max}`);
  const dst = IPPROTO.DSTOPTS;
  expectBucket(ether(0x86dd, ipv6Chain([IPPROTO.HOPOPTS, IPPROTO.ROUTING, IPPROTO.FRAGMENT, dst], IPPROTO.UDP)), 'rx/ipv6/17');
  // Exactly the bound: still followed to UDP.
  expectBucket(ether(0x86dd, ipv6Chain([IPPROTO.HOPOPTS, ...Array<number>(max - 1).fill(dst)], IPPROTO.UDP)), 'rx/ipv6/17');
  // One past the bound: counted under the extension header the filter stopped at.
  expectBucket(ether(0x86dd, ipv6Chain([IPPROTO.HOPOPTS, ...Array<number>(max).fill(dst)], IPPROTO.UDP)), `rx/ipv6/${dst}`);
  expectBucket(ether(0x86dd, ipv6Chain(Array<number>(3 * max).fill(IPPROTO.ROUTING), IPPROTO.ICMPV6)), `rx/ipv6/${IPPROTO.ROUTING}`);
});

test('IPv6 extension chains cut short by the end of the frame', (t) => {
  if (!requireRoot(t)) return;
  // Declares a destination-options header, the frame ends right after the IPv6 header.
  expectBucket(ether(0x86dd, ipv6(IPPROTO.DSTOPTS, Buffer.alloc(0))), `rx/ipv6/${IPPROTO.DSTOPTS}`);
  // Two headers present, the third (routing) declared but missing.
  const chain = ipv6Chain([IPPROTO.HOPOPTS, IPPROTO.DSTOPTS, IPPROTO.ROUTING], IPPROTO.UDP, 0);
  expectBucket(ether(0x86dd, chain.subarray(0, 40 + 16)), `rx/ipv6/${IPPROTO.ROUTING}`);
  // The last header cut inside its first two bytes.
  expectBucket(ether(0x86dd, chain.subarray(0, 40 + 16 + 1)), `rx/ipv6/${IPPROTO.ROUTING}`);
});

test('IPv6 at the edges of the chain: a later fragment stops the walk, a header cut short counts as itself', (t) => {
  if (!requireRoot(t)) return;
  for (const edge of IPV6_EDGES) {
    const got = countOnce(ether(0x86dd, edge.packet));
    assert.deepEqual(got, { bucket: `rx/ipv6/${edge.protocol}`, bytes: BigInt(edge.packet.length), packets: 1n }, edge.what);
  }
});

test('VLAN tags in the frame: one (0x8100), two stacked (0x88a8 then 0x8100), three, and cut short', (t) => {
  if (!requireRoot(t)) return;
  expectBucket(ether(0x8100, Buffer.concat([vlanTag(0x0800), ipv4(IPPROTO.UDP)])), 'rx/ipv4/17');
  expectBucket(ether(0x88a8, Buffer.concat([vlanTag(0x8100), vlanTag(0x86dd), ipv6(IPPROTO.UDP)])), 'rx/ipv6/17');
  expectBucket(ether(0x8100, Buffer.concat([vlanTag(0x8100), vlanTag(0x0806), Buffer.alloc(28)])), 'rx/other/2054');
  // Beyond the two tags the filter steps over: counted by the third tag's EtherType.
  const three = Buffer.concat([vlanTag(0x8100), vlanTag(0x8100), vlanTag(0x0800), ipv4(IPPROTO.UDP)]);
  expectBucket(ether(0x88a8, three), 'rx/other/33024');
  // A tag cut in half: the inner EtherType cannot be read, counted under the tag's.
  expectBucket(ether(0x8100, [0x00, 0x07, 0x08]), 'rx/other/33024');
  // A tag announcing IPv4 with no IPv4 behind it: malformed IPv4.
  expectBucket(ether(0x8100, vlanTag(0x0800)), 'rx/other/2048');
});

test('EtherType 0 and other values below 0x0600: the kernel reads them as 802.3 lengths (802.2 LLC, 0x0004)', (t) => {
  if (!requireRoot(t)) return;
  expectBucket(ether(0x0000, Buffer.alloc(46, 0x42)), 'rx/other/4');
  expectBucket(ether(0x05dc, Buffer.alloc(46, 0x42)), 'rx/other/4');
  // Novell's raw 802.3 (payload starts 0xFFFF) is ETH_P_802_3.
  expectBucket(ether(0x0000, Buffer.alloc(46, 0xff)), 'rx/other/1');
});

test('frames to our own MAC, multicast and other hosts are all rx (only PACKET_OUTGOING is tx)', (t) => {
  if (!requireRoot(t)) return;
  const frame = ether(0x0800, ipv4(IPPROTO.UDP));
  for (const destination of [[0, 0, 0, 0, 0, 0], [0x01, 0x00, 0x5e, 0, 0, 1], [0x02, 0, 0, 0, 0, 0x99]]) {
    frame.set(destination, 0);
    expectBucket(frame, 'rx/ipv4/17');
  }
});

test('300 random frames: each one the filter sees is counted exactly once, the filter always returns 0', (t) => {
  if (!requireRoot(t)) return;
  const random = seededRandom(0xf4a3e5);
  const ethertypes = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x0000, 0x88b5];
  let total = 0n;
  let counted = 0;
  const start = snapshot();
  for (let i = 0; i < 300; i++) {
    const length = ETH_HLEN + Math.floor(random() * 200);
    const frame = Buffer.alloc(length);
    for (let b = 0; b < length; b++) frame[b] = Math.floor(random() * 256);
    const ethertype = ethertypes[Math.floor(random() * ethertypes.length)] as number;
    frame.writeUInt16BE(ethertype, 12);
    // Test-run refuses IP frames shorter than their fixed header (see above).
    if ((ethertype === 0x0800 && length < ETH_HLEN + IPV4_HLEN) || (ethertype === 0x86dd && length < ETH_HLEN + IPV6_HLEN)) {
      assert.equal(testRun(native, object!.programFd, frame).err, -EINVAL);
      continue;
    }
    const got = countOnce(frame);
    assert.equal(got.packets, 1n);
    assert.equal(got.bytes, BigInt(length - ETH_HLEN));
    total += BigInt(length - ETH_HLEN);
    counted += 1;
  }
  assert.ok(counted > 200, `only ${counted} frames reached the filter`);
  const sum = (m: Map<string, { bytes: bigint; packets: bigint }>, field: 'bytes' | 'packets'): bigint =>
    [...m.values()].reduce((a, v) => a + v[field], 0n);
  const end = snapshot();
  assert.equal(sum(end, 'packets') - sum(start, 'packets'), BigInt(counted));
  assert.equal(sum(end, 'bytes') - sum(start, 'bytes'), total);
});
