/**
 * The real filter, attached by the real CLI in a fresh network namespace,
 * counting real traffic: every count is computed from what was sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ICMP_ECHO_HLEN, IPV4_HLEN, PING4_FRAME, PING6_FRAME, PING_PAYLOAD, udp4Frame, udp6Frame } from './frames.js';
import { CLI, NetNs, RunningSockex, TOOLS, counter, requireRoot, run, startSockex, vethPair, waitFor } from './harness.js';


const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Both directions of a loopback bucket: on lo each frame is seen once sent, once received. */
function assertBothWays(sample: Parameters<typeof counter>[0], family: 'ipv4' | 'ipv6' | 'other', protocol: number, bytes: number, packets: number): void {
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(counter(sample, { direction, family, protocol }), { bytes, packets }, `${direction} ${family}/${protocol}`);
  }
}

test('UDP over IPv4: exact bytes and packets, tx and rx apart', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'udp4');
  const sockex = await startSockex(ns);
  const sizes = [0, 1, 100, 1000, 1472, 8000];
  ns.tool('udp', ['4', sizes.join(',')]);
  assert.equal(await sockex.stop(), 0);
  const bytes = sum(sizes.map(udp4Frame));
  assertBothWays(sockex.lastSample(), 'ipv4', 17, bytes, sizes.length);
  assert.deepEqual(counter(sockex.lastSample(), { direction: 'tx', family: 'ipv6', protocol: 17 }), { bytes: 0, packets: 0 });
});

test('UDP over IPv6: exact bytes and packets', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'udp6');
  const sockex = await startSockex(ns);
  const sizes = [10, 20, 30, 1452];
  ns.tool('udp', ['6', sizes.join(',')]);
  assert.equal(await sockex.stop(), 0);
  assertBothWays(sockex.lastSample(), 'ipv6', 17, sum(sizes.map(udp6Frame)), sizes.length);
  assert.equal(sockex.lastSample().counters.find((c) => c.family === 'ipv6' && c.protocol === 17)?.name, 'UDP');
});

test('ping: ICMP echo requests and replies, each seen once sent and once received', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'icmp');
  const sockex = await startSockex(ns);
  const k = 4;
  ns.exec('ping', ['-4', '-q', '-c', String(k), '-i', '0.01', '127.0.0.1']);
  assert.equal(await sockex.stop(), 0);
  // k requests + k replies, all sent and all received on lo.
  assertBothWays(sockex.lastSample(), 'ipv4', 1, 2 * k * PING4_FRAME, 2 * k);
});

test('ping -6: IPv6-ICMP counted under IPv6, not IPv4 ICMP', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'icmp6');
  const sockex = await startSockex(ns);
  const k = 3;
  ns.exec('ping', ['-6', '-q', '-c', String(k), '-i', '0.01', '::1']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assertBothWays(sample, 'ipv6', 58, 2 * k * PING6_FRAME, 2 * k);
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 1 }), { bytes: 0, packets: 0 });
  assert.equal(sample.counters.find((c) => c.protocol === 58)?.name, 'IPv6-ICMP');
});

/** Frames and bytes in a pcap file (classic format, either byte order). */
function pcapTotals(path: string): { frames: number; bytes: number } {
  const data = readFileSync(path);
  const magic = data.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (off: number): number => (le ? data.readUInt32LE(off) : data.readUInt32BE(off));
  let off = 24;
  let frames = 0;
  let bytes = 0;
  while (off + 16 <= data.length) {
    const captured = u32(off + 8);
    bytes += u32(off + 12); // the frame's length on the wire, not the snapshot
    frames += 1;
    off += 16 + captured;
  }
  return { frames, bytes };
}

test('TCP: the counts equal an independent capture of the same traffic', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tcp');
  const dir = mkdtempSync(join(tmpdir(), 'sockex-tcp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'tcp.pcap');
  // libpcap shows each loopback frame once (it skips the outgoing copy), so
  // the capture is the rx side; on lo tx must be the same.
  const tcpdump = new RunningSockex(ns.spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '128', '-w', pcap, 'tcp']));
  await waitFor(() => tcpdump.stderr.includes('listening on'), 10_000, () => `tcpdump did not start: ${tcpdump.stderr}`);
  const sockex = await startSockex(ns);
  const sent = JSON.parse(ns.tool('tcp', ['4', '300000'])) as { bytes: number };
  assert.equal(sent.bytes, 300000);
  assert.equal(await sockex.stop(), 0);
  // Immediate mode hands each frame over as it comes; give the last one a moment to be written.
  let size = -1;
  let stableSince = Date.now();
  await waitFor(
    () => {
      const now = statSync(pcap).size;
      if (now !== size) [size, stableSince] = [now, Date.now()];
      return size > 24 && Date.now() - stableSince > 300;
    },
    5000,
    () => 'tcpdump wrote the capture',
  );
  await tcpdump.stop('SIGINT');
  const captured = pcapTotals(pcap);
  assert.ok(captured.frames >= 6, `a handshake, data and a close were captured (${captured.frames} frames)`);
  assert.match(tcpdump.stderr, /0 packets dropped by kernel/);
  assertBothWays(sockex.lastSample(), 'ipv4', 6, captured.bytes, captured.frames);
  // Payload alone is a lower bound the headers add to.
  assert.ok(captured.bytes > 300000);
});

test('non-IP frames are counted by EtherType, apart from IP', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'raw');
  const sockex = await startSockex(ns);
  // 0x88B5: IEEE 802 local experimental EtherType.
  ns.tool('raw-frames', ['lo', '0x88b5', '7', '60']);
  ns.tool('raw-frames', ['lo', '0x88b5', '2', '1514']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assertBothWays(sample, 'other', 0x88b5, 7 * 60 + 2 * 1514, 9);
  assert.equal(sample.counters.filter((c) => c.family !== 'other').length, 0, 'nothing landed in an IP bucket');
  assert.equal(sample.counters.find((c) => c.protocol === 0x88b5)?.name, '0x88b5');
});

test('ARP over a veth pair: requests sent, replies received, apart from ICMP', async (t) => {
  if (!requireRoot(t)) return;
  const { a } = vethPair(t, 'arp');
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'veth-a']);
  a.exec('ping', ['-4', '-q', '-c', '1', '-W', '5', '192.0.2.2']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  // ARP for IPv4 over Ethernet: 14 + 28, no padding on veth.
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'other', protocol: 0x0806 }), { bytes: 42, packets: 1 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'other', protocol: 0x0806 }), { bytes: 42, packets: 1 });
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 1 }), { bytes: PING4_FRAME, packets: 1 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'ipv4', protocol: 1 }), { bytes: PING4_FRAME, packets: 1 });
  assert.equal(sample.counters.find((c) => c.protocol === 0x0806)?.name, 'ARP');
  assert.ok(sample.counters.every((c) => c.interface === 'veth-a'));
});

test('line output matches the kernel sample, character for character', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'line');
  const sockex = await startSockex(ns, ['--interval', '0.3', '--count', '4']);
  ns.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.01', '127.0.0.1']);
  assert.equal(await sockex.exit(), 0);
  const lines = sockex.stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.equal(lines.length, 4, '--count 4 prints four samples');
  for (const line of lines) assert.match(line, /^TCP \d+ UDP \d+ ICMP \d+ bytes$/);
  // 2 requests + 2 replies sent on lo, 98 bytes each.
  assert.equal(lines[3], `TCP 0 UDP 0 ICMP ${4 * PING4_FRAME} bytes`);
});

test('sockex demo pings localhost five times and ends with the exact total', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'demo');
  const demo = new RunningSockex(ns.spawn(process.execPath, [CLI, 'demo']));
  assert.equal(await demo.exit(20_000), 0);
  const lines = demo.stdout.trim().split('\n');
  assert.ok(lines.length >= 4, `a sample each second while ping runs (${lines.length})`);
  assert.equal(lines[lines.length - 1], `TCP 0 UDP 0 ICMP ${10 * PING4_FRAME} bytes`);
});

/** The BPF program ids a process holds, from its fds' fdinfo. */
function programIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /prog_id:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      // The fd closed while we looked.
    }
  }
  return ids;
}

test('the filter is loaded JIT-compiled while sockex runs and gone after it exits', async (t: TestContext) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'jit');
  const sockex = await startSockex(ns);
  const pid = sockex.child.pid;
  assert.ok(pid);
  const ids = programIds(pid);
  assert.equal(ids.length, 1, 'one program for one interface');
  const info = JSON.parse(run('bpftool', ['prog', 'show', 'id', String(ids[0]), '-j'])) as { name: string; type: string; jited: boolean; bytes_jited: number };
  assert.equal(info.name, 'sockex_count');
  assert.equal(info.type, 'socket_filter');
  assert.equal(info.jited, true);
  assert.ok(info.bytes_jited > 0);
  assert.equal(await sockex.stop(), 0);
  // The kernel frees a program after an RCU grace period, so give it a moment.
  const gone = (): boolean => {
    try {
      run('bpftool', ['prog', 'show', 'id', String(ids[0])]);
      return false;
    } catch {
      return true;
    }
  };
  await waitFor(gone, 5000, () => `program ${ids[0]} is still loaded after sockex exited`);
});

/** A minimal IPv4 header (IHL 5) carrying `protocol`, as hex. */
function ipv4Header(protocol: number): string {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[8] = 64;
  h[9] = protocol;
  h.set([127, 0, 0, 1], 12);
  h.set([127, 0, 0, 1], 16);
  return h.toString('hex');
}

test('VLAN-tagged frames are counted under the protocol inside the tags', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'vlan');
  const sockex = await startSockex(ns);
  // One 802.1Q tag (VLAN 100) around IPv4/UDP, then an 802.1ad + 802.1Q stack around IPv4/GRE.
  ns.tool('raw-frames', ['lo', '0x8100', '3', '100', `0064${'0800'}${ipv4Header(17)}`]);
  ns.tool('raw-frames', ['lo', '0x88a8', '2', '120', `00c8${'8100'}0064${'0800'}${ipv4Header(47)}`]);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  // Sent with the tags inside the frame; on receipt the kernel moves the
  // outer tag into metadata, so the received frame is 4 bytes shorter.
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 17 }), { bytes: 3 * 100, packets: 3 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'ipv4', protocol: 17 }), { bytes: 3 * 96, packets: 3 });
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 47 }), { bytes: 2 * 120, packets: 2 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'ipv4', protocol: 47 }), { bytes: 2 * 116, packets: 2 });
  assert.equal(sample.counters.filter((c) => c.family === 'other').length, 0, 'no tagged frame fell into "other"');
});

test('a link with no link-layer header (tun): IP found from the network header, bytes without a MAC header', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tun');
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  const tun = new RunningSockex(ns.spawn(process.execPath, [`${TOOLS}tun.js`, 'tun0']));
  t.after(() => tun.child.kill());
  await waitFor(() => tun.stdout.includes('ready'), 10_000, () => `tun did not start: ${tun.stderr}`);
  ns.exec('ip', ['addr', 'add', '192.0.2.1/24', 'dev', 'tun0']);
  ns.exec('ip', ['link', 'set', 'tun0', 'up']);
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'tun0']);
  // Nobody answers on the other side of the tun: the requests are sent, ping gives up.
  const k = 3;
  try {
    ns.exec('ping', ['-4', '-q', '-c', String(k), '-i', '0.05', '-W', '0.2', '192.0.2.9']);
  } catch {
    // ping exits 1 when no reply came, which is the point here.
  }
  assert.equal(await sockex.stop(), 0);
  assert.deepEqual(counter(sockex.lastSample(), { direction: 'tx', family: 'ipv4', protocol: 1 }), { bytes: k * (IPV4_HLEN + ICMP_ECHO_HLEN + PING_PAYLOAD), packets: k });
  assert.deepEqual(sockex.lastSample().counters.map((c) => `${c.direction}/${c.family}/${c.protocol}`), ['tx/ipv4/1']);
});
