/**
 * Both filters share bpf/parse.h; this checks they really classify alike.
 * The same frames (well-formed, malformed, VLAN-tagged, IPv6 extension
 * chains, and 300 seeded random ones) go through the one-interface filter
 * and the every-interface filter with BPF_PROG_TEST_RUN (no network), and
 * each frame must land in the same bucket with the same bytes in both.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_ANY_OBJECT_PATH, openAnyCounterMaps, type AnyCounterMaps } from '../../src/kernel/filters/any-filter.js';
import { loadObject, type LoadedObject } from '../../src/kernel/libbpf/object.js';
import { openCounterMaps, type CounterMaps } from '../../src/kernel/maps/counter-maps.js';
import { DEFAULT_OBJECT_PATH } from '../../src/kernel/filters/filter.js';
import { ANY_MAP, ANY_OVERFLOW_MAP, ANY_PROGRAM_NAME, IP_MAP, OTHER_MAP, PROGRAM_NAME } from '../../src/kernel/maps/layout.js';
import { LinkTable } from '../../src/kernel/links/link-table.js';
import { loadNative, type Native } from '../../src/kernel/libbpf/native.js';
import { RouteSocket } from '../../src/kernel/links/rtnetlink.js';
import { IPV6_EDGES, ether, ipv4 } from './frames.js';
import { requireRoot } from './harness.js';
import { testRun } from './prog-test-run.js';

let native: Native;
const objects: LoadedObject[] = [];
let one: { fd: number; maps: CounterMaps };
let any: { fd: number; maps: AnyCounterMaps };
let links: LinkTable | undefined;

before(() => {
  if (process.getuid?.() !== 0) return;
  native = loadNative();
  const single = loadObject(DEFAULT_OBJECT_PATH, PROGRAM_NAME, native);
  objects.push(single);
  const every = loadObject(DEFAULT_ANY_OBJECT_PATH, ANY_PROGRAM_NAME, native);
  objects.push(every);
  one = { fd: single.programFd, maps: openCounterMaps(native, single.mapFd(IP_MAP), single.mapFd(OTHER_MAP)) };
  links = new LinkTable(new RouteSocket(native, true));
  any = { fd: every.programFd, maps: openAnyCounterMaps(native, every.mapFd(ANY_MAP), every.mapFd(ANY_OVERFLOW_MAP), links) };
});
after(() => {
  links?.close();
  for (const object of objects.splice(0).reverse()) object.close();
});


type Totals = Map<string, { bytes: bigint; packets: bigint; interfaces: string }>;

/** Run the program once on a frame; the error libbpf returned (0 or -errno). */
function run(programFd: number, frame: Buffer): number {
  const { err, retval } = testRun(native, programFd, frame);
  if (err === 0) assert.equal(retval, 0, 'the filter returns 0');
  return err;
}

function totals(readings: readonly { interface?: string; direction: string; family: string; protocol: number; bytes: bigint; packets: bigint }[]): Totals {
  const out: Totals = new Map();
  for (const r of readings) out.set(`${r.direction}/${r.family}/${r.protocol}`, { bytes: r.bytes, packets: r.packets, interfaces: r.interface ?? '' });
  return out;
}

/** What one run added: "bucket +bytes +packets" (empty when nothing was counted). */
function delta(before: Totals, after: Totals): string[] {
  const out: string[] = [];
  for (const [bucket, now] of after) {
    const was = before.get(bucket) ?? { bytes: 0n, packets: 0n };
    if (now.packets !== was.packets || now.bytes !== was.bytes) out.push(`${bucket} +${now.bytes - was.bytes} +${now.packets - was.packets}`);
  }
  return out;
}

/**
 * Run a frame through both filters; both must agree on the error and on the
 * bucket. Returns what was counted, and the test run's error (0, or -errno
 * for frames the kernel will not build an skb from).
 */
function sameBucket(frame: Buffer): { counted: string[]; err: number } {
  const oneBefore = totals(one.maps.read());
  const anyBefore = totals(any.maps.read());
  const oneErr = run(one.fd, frame);
  const anyErr = run(any.fd, frame);
  assert.equal(anyErr, oneErr, `both filters accept or refuse ${frame.toString('hex')}`);
  const oneAfter = totals(one.maps.read());
  const anyReadings = any.maps.read();
  const oneDelta = delta(oneBefore, oneAfter);
  const anyDelta = delta(anyBefore, totals(anyReadings));
  assert.deepEqual(anyDelta, oneDelta, `frame ${frame.subarray(0, 80).toString('hex')}`);
  // The test run's skb is on the namespace's loopback device.
  assert.ok(anyReadings.every((r) => r.interface === 'lo'), `every-interface counters are on lo: ${anyReadings.map((r) => r.interface).join(',')}`);
  if (oneErr === 0) assert.equal(oneDelta.length, 1, `a frame the kernel ran is counted exactly once: ${oneDelta.join(', ')}`);
  return { counted: oneDelta, err: oneErr };
}



function ipv6(chain: number[], last: number, payload = 8): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h[6] = chain[0] ?? last;
  const exts = chain.map((_type, i) => {
    const ext = Buffer.alloc(8);
    ext[0] = chain[i + 1] ?? last;
    return ext;
  });
  return Buffer.concat([h, ...exts, Buffer.alloc(payload)]);
}

function vlan(ethertype: number, inner: Buffer): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt16BE(100, 0);
  tag.writeUInt16BE(ethertype, 2);
  return Buffer.concat([tag, inner]);
}

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('crafted frames land in the same bucket in both filters', (t) => {
  if (!requireRoot(t)) return;
  const frames: [Buffer, string][] = [
    [ether(0x0800, ipv4(17)), 'rx/ipv4/17 +28 +1'],
    [ether(0x0800, ipv4(6)), 'rx/ipv4/6 +28 +1'],
    [ether(0x0800, ipv4(1, { payload: 56 })), 'rx/ipv4/1 +76 +1'],
    [ether(0x0800, ipv4(17, { ihl: 4 })), `rx/other/${0x0800} +28 +1`],
    [ether(0x0800, ipv4(17, { version: 6 })), `rx/other/${0x0800} +28 +1`],
    [ether(0x86dd, ipv6([], 58)), 'rx/ipv6/58 +48 +1'],
    [ether(0x86dd, ipv6([0, 43, 44, 60], 17)), 'rx/ipv6/17 +80 +1'],
    [ether(0x86dd, ipv6([0, 0, 0, 0, 0, 0, 0, 0, 0], 17)), 'rx/ipv6/0 +120 +1'],
    [ether(0x86dd, ipv6([0], 17).subarray(0, 41)), 'rx/ipv6/0 +41 +1'],
    [ether(0x8100, vlan(0x0800, ipv4(17))), 'rx/ipv4/17 +32 +1'],
    [ether(0x88a8, vlan(0x8100, vlan(0x86dd, ipv6([], 6)))), 'rx/ipv6/6 +56 +1'],
    [ether(0x8100, vlan(0x8100, vlan(0x0800, ipv4(17)))), 'rx/ipv4/17 +36 +1'],
    // A third tag is past the bound: counted by the EtherType the filter stopped at.
    [ether(0x8100, vlan(0x8100, vlan(0x8100, vlan(0x0800, ipv4(17))))), `rx/other/${0x8100} +40 +1`],
    [ether(0x0806, Buffer.alloc(28)), `rx/other/${0x0806} +28 +1`],
    [ether(0x88b5, Buffer.alloc(46)), `rx/other/${0x88b5} +46 +1`],
    ...IPV6_EDGES.map((edge): [Buffer, string] => [ether(0x86dd, edge.packet), `rx/ipv6/${edge.protocol} +${edge.packet.length} +1`]),
  ];
  for (const [frame, bucket] of frames) assert.deepEqual(sameBucket(frame), { counted: [bucket], err: 0 });
});

test('300 seeded random frames land in the same bucket in both filters', (t) => {
  if (!requireRoot(t)) return;
  const random = seeded(0x50c3e);
  const ethertypes = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x88cc, 0x0000];
  let ran = 0;
  for (let i = 0; i < 300; i++) {
    const ethertype = random() < 0.85 ? (ethertypes[Math.floor(random() * ethertypes.length)] ?? 0) : Math.floor(random() * 0x10000);
    const payload = Buffer.alloc(Math.floor(random() * 140));
    for (let j = 0; j < payload.length; j++) payload[j] = Math.floor(random() * 256);
    // Mostly plausible version nibbles, so the IP paths are exercised too.
    if (payload.length > 0 && random() < 0.7) payload[0] = ethertype === 0x86dd ? 0x60 : 0x45;
    if (sameBucket(ether(ethertype, payload)).err === 0) ran += 1;
  }
  assert.ok(ran > 250, `most random frames were long enough to run (${ran} of 300)`);
});
