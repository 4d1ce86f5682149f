/**
 * Interfaces re-created as another link type under a running sockex: a veth
 * (14-byte Ethernet header) deleted and a tun (no link header) made under its
 * name, and the other way round; with -i any, a tun that takes the ifindex
 * of a veth deleted within one interval. Every frame must be read with the
 * link header of the interface it was seen on and counted under that
 * interface: exact bytes and packets, nothing counted as malformed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { assertNoStackTrace, killOnEnd } from './cli-run.js';
import { ether, ipv4 } from './frames.js';
import { NetNs, startSockex, requireRoot, waitFor, type JsonSample, type RunningSockex } from './harness.js';

const UDP = 17;
/** An IPv4/UDP datagram with 100 bytes of payload: 128 bytes without a link header. */
const DATAGRAM = ipv4(UDP, { payload: 8 + 100 });

/** Namespace a (sockex runs here) and b, IPv6 off, so only the test's frames cross the links. */
function namespaces(t: TestContext): { a: NetNs; b: NetNs } {
  const a = NetNs.create(t, 'lta');
  const b = NetNs.create(t, 'ltb');
  for (const ns of [a, b]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  return { a, b };
}

function veth(a: NetNs, b: NetNs, name: string, peer: string): void {
  a.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer, 'netns', b.name]);
  a.exec('ip', ['link', 'set', name, 'up']);
  b.exec('ip', ['link', 'set', peer, 'up']);
}

function tun(a: NetNs, name: string): void {
  a.exec('ip', ['tuntap', 'add', 'mode', 'tun', 'name', name]);
  a.exec('ip', ['link', 'set', name, 'up']);
}

function ifindex(ns: NetNs, name: string): number {
  return Number(ns.exec('cat', [`/sys/class/net/${name}/ifindex`]).trim());
}

/** 10 datagrams written into a tun: received on it, no link header. */
function writeTun(a: NetNs, name: string): void {
  const written = JSON.parse(a.tool('tun-write', [name, DATAGRAM.toString('hex'), '10'])) as { written: number };
  assert.equal(written.written, 10);
}

/** 10 datagrams in Ethernet frames sent from the veth's peer: received on the veth. */
function sendVeth(b: NetNs, peer: string): void {
  const sent = JSON.parse(b.tool('raw-hex', [peer, ether(0x0800, DATAGRAM).toString('hex'), '10'])) as { sent: number };
  assert.equal(sent.sent, 10);
}

/** "interface#ifindex/direction/family/protocol bytes packets" of every counter but lo's. */
function lines(sample: JsonSample | undefined): string[] {
  return (sample?.counters ?? [])
    .filter((c) => c.interface !== 'lo')
    .map((c) => `${c.interface}#${c.ifindex}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`)
    .sort();
}

async function until(sockex: RunningSockex, expected: string[]): Promise<void> {
  await waitFor(
    () => JSON.stringify(lines(sockex.samples().at(-1))) === JSON.stringify(expected),
    10_000,
    () => `expected ${expected.join(', ')}; last: ${lines(sockex.samples().at(-1)).join(', ')}; stderr: ${sockex.stderr}`,
  );
}

async function rebound(sockex: RunningSockex, a: NetNs, name: string): Promise<void> {
  const now = ifindex(a, name);
  await waitFor(() => sockex.stderr.includes(`counting on it again (ifindex ${now})`), 10_000, () => `no rebind: ${sockex.stderr}`);
}

test('-i NAME: a veth re-created as a tun under its name: its datagrams are read without a link header, exactly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'hxa', 'hxb');
  const first = ifindex(a, 'hxa');
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'hxa', '-i', 'lo', '--keep-privileges', '--json', '--interval', '0.2']));
  sendVeth(b, 'hxb');
  const asVeth = `hxa#${first}/rx/ipv4/${UDP} ${10 * (DATAGRAM.length + 14)} 10`;
  await until(sockex, [asVeth]);

  a.exec('ip', ['link', 'del', 'hxa']);
  tun(a, 'hxa');
  await rebound(sockex, a, 'hxa');
  writeTun(a, 'hxa');
  // One series (the ifindex hxa had at the start): the veth's frames and the tun's, each with its own header.
  await until(sockex, [`hxa#${first}/rx/ipv4/${UDP} ${10 * (DATAGRAM.length + 14) + 10 * DATAGRAM.length} 20`]);
  assert.equal(await sockex.stop(), 0);
  assertNoStackTrace(sockex.stderr);
});

test('-i NAME: a tun re-created as a veth under its name: its frames are read after a 14-byte Ethernet header, exactly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  tun(a, 'hxa');
  const first = ifindex(a, 'hxa');
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'hxa', '-i', 'lo', '--keep-privileges', '--json', '--interval', '0.2']));
  writeTun(a, 'hxa');
  await until(sockex, [`hxa#${first}/rx/ipv4/${UDP} ${10 * DATAGRAM.length} 10`]);

  a.exec('ip', ['link', 'del', 'hxa']);
  veth(a, b, 'hxa', 'hxb');
  await rebound(sockex, a, 'hxa');
  sendVeth(b, 'hxb');
  await until(sockex, [`hxa#${first}/rx/ipv4/${UDP} ${10 * DATAGRAM.length + 10 * (DATAGRAM.length + 14)} 20`]);
  assert.equal(await sockex.stop(), 0);
  assertNoStackTrace(sockex.stderr);
});

test('-i NAME without the privileges to load a filter again: a veth re-created as a tun is refused and said so, never counted wrongly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'hxa', 'hxb');
  const first = ifindex(a, 'hxa');
  // Root is dropped after attaching (to nobody): loading needs it.
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'hxa', '-i', 'lo', '--json', '--interval', '0.2']));
  sendVeth(b, 'hxb');
  const asVeth = `hxa#${first}/rx/ipv4/${UDP} ${10 * (DATAGRAM.length + 14)} 10`;
  await until(sockex, [asVeth]);

  a.exec('ip', ['link', 'del', 'hxa']);
  tun(a, 'hxa');
  const now = ifindex(a, 'hxa');
  const refusal =
    `sockex: interface hxa is back as link type 65534 (ifindex ${now}) and is not counted: its filter was loaded for another link header, ` +
    'and loading it again needs the privileges sockex gave up (--keep-privileges keeps them)';
  await waitFor(() => sockex.stderr.includes(refusal), 10_000, () => `no refusal: ${sockex.stderr}`);
  writeTun(a, 'hxa');
  // Written and received, and not counted: the last sample taken after the writes still holds the veth's counts only.
  const after = sockex.samples().length;
  await waitFor(() => sockex.samples().length > after + 1, 10_000, () => `no samples: ${sockex.stderr}`);
  assert.deepEqual(lines(sockex.samples().at(-1)), [asVeth]);
  assert.equal(await sockex.stop(), 0);
  assert.equal(sockex.stderr.split('\n').filter((l) => l === refusal).length, 1, sockex.stderr);
  assertNoStackTrace(sockex.stderr);
});

/** The "generation" a counter's JSON has past the first link of its ifindex (absent: the first). */
function generationLines(sample: JsonSample | undefined): string[] {
  return (sample?.counters ?? [])
    .filter((c) => c.interface !== 'lo')
    .map((c) => {
      const generation = (c as { generation?: number }).generation;
      return `${c.interface}#${c.ifindex}${generation === undefined ? '' : `.${generation}`}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`;
    })
    .sort();
}

test('-i any, one interval: a veth at ifindex 600 sends 5 frames and is deleted, a tun takes 600 and gets 10 datagrams, then a veth again: each under its own name and generation, exactly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  a.exec('ip', ['link', 'add', 'va', 'index', '600', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b.name]);
  a.exec('ip', ['link', 'set', 'va', 'up']);
  b.exec('ip', ['link', 'set', 'vb', 'up']);
  // One sample at the start, the next only at the end (SIGTERM): everything below happens within one interval.
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'any', '--json', '--interval', '600']));
  a.tool('raw-frames', ['va', '0x88b5', '5', '100']);

  a.exec('ip', ['link', 'del', 'va']);
  a.tool('tun-persist', ['tb', '600']);
  a.exec('ip', ['link', 'set', 'tb', 'up']);
  assert.equal(ifindex(a, 'tb'), 600);
  writeTun(a, 'tb');

  // And back: the tun deleted, a veth of the first one's name takes 600 again.
  a.exec('ip', ['link', 'del', 'tb']);
  a.exec('ip', ['link', 'add', 'va', 'index', '600', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b.name]);
  a.exec('ip', ['link', 'set', 'va', 'up']);
  b.exec('ip', ['link', 'set', 'vb', 'up']);
  sendVeth(b, 'vb');

  assert.equal(await sockex.stop(), 0);
  assert.equal(sockex.samples().length, 2, sockex.stdout);
  assert.deepEqual(generationLines(sockex.lastSample()), [
    `tb#600.2/rx/ipv4/${UDP} ${10 * DATAGRAM.length} 10`,
    `va#600.3/rx/ipv4/${UDP} ${10 * (DATAGRAM.length + 14)} 10`,
    `va#600/tx/other/${0x88b5} 500 5`,
  ]);
  assertNoStackTrace(sockex.stderr);
});

test('-i any: an exit that skips the release still ends the process (the link-notification watch is closed on exit, not left waiting on a threadpool thread)', { timeout: 30_000 }, (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'exit');
  // exec() waits for the tool to end (30 s at most): a hang fails this test.
  assert.equal(ns.tool('exit-attached', ['any']).trim(), 'attached');
});
