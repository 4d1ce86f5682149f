/**
 * --by process, --by user and --by cgroup end to end: the real socket hooks
 * at the cgroup2 root and the real tap, attached by the real CLI, with
 * senders and receivers in cgroups the test makes, in a namespace per test.
 * sockex runs with the host's mounts (nsenter --net, not ip netns exec,
 * which remounts /sys and the cgroup2 mount under it), and so do the
 * processes, which join their cgroup before they exec.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { TestCgroup } from './cgroups.js';
import { ETH_HLEN, IPV4_HLEN, PING4_FRAME, PING6_FRAME, udp4Frame, udp6Frame } from './frames.js';
import { CLI, NetNs, TOOLS, counter, requireRoot, startSockex, vethPair, waitFor, RunningSockex, type JsonBreakdownCounter, type JsonSample } from './harness.js';

const UDP = 17;
const TCP = 6;
const ICMP = 1;
const ARP = 0x0806;
/** An ARP request or reply for IPv4 over Ethernet, padded to the 60-byte minimum only on the wire: 42 bytes at the tap. */
const ARP_FRAME = 42;
const NOBODY = 65534;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** A breakdown counter split by owner, as the JSON output writes it. */
interface OwnerCounter extends JsonBreakdownCounter {
  pid?: number;
  command?: string;
  uid?: number;
  cgroup_id?: number;
  owner?: 'kernel' | 'fragment' | 'none' | 'other';
}

function parts(sample: JsonSample, direction: 'tx' | 'rx', protocol: number): OwnerCounter[] {
  return (sample.breakdown?.counters ?? []).filter((c) => c.direction === direction && c.family === 'ipv4' && c.protocol === protocol) as OwnerCounter[];
}

/** The owner fields of a part, for comparing whole lists. */
function owned(list: OwnerCounter[]): object[] {
  return list.map(({ pid, command, uid, cgroup_id, owner, bytes, packets }) => ({
    ...(pid === undefined ? {} : { pid, command }),
    ...(uid === undefined ? {} : { uid }),
    ...(cgroup_id === undefined ? {} : { cgroup_id }),
    ...(owner === undefined ? {} : { owner }),
    bytes,
    packets,
  }));
}

/** Every protocol's parts add up to its counter, to the byte (non-IP ones' one part is none). */
function assertAddsUp(sample: JsonSample): void {
  for (const c of sample.counters) {
    const mine = (sample.breakdown?.counters ?? []).filter((b) => b.interface === c.interface && b.direction === c.direction && b.family === c.family && b.protocol === c.protocol);
    assert.deepEqual(
      { bytes: sum(mine.map((b) => b.bytes)), packets: sum(mine.map((b) => b.packets)) },
      { bytes: c.bytes, packets: c.packets },
      `${c.interface} ${c.direction} ${c.family}/${c.protocol} adds up`,
    );
  }
}

/** argv that runs `args` in the namespace, in the cgroup, as root or as nobody, keeping the host's mounts. */
function inCgroup(ns: NetNs, cgroup: TestCgroup, args: string[], asNobody = false): string[] {
  const user = asNobody ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : [];
  return ['nsenter', `--net=/run/netns/${ns.name}`, ...cgroup.wrap([...user, ...args])];
}

function runIn(ns: NetNs, cgroup: TestCgroup, args: string[], asNobody = false): string {
  const [file = '', ...rest] = inCgroup(ns, cgroup, args, asNobody);
  const result = spawnSync(file, rest, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Start a process in the cgroup; waits until it prints `ready` on stdout; killed when the test ends. */
async function startIn(t: TestContext, ns: NetNs, cgroup: TestCgroup, args: string[], ready: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const [file = '', ...rest] = inCgroup(ns, cgroup, args);
  const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  t.after(async () => {
    child.kill();
    await exited;
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += String(d)));
  await waitFor(() => out.includes(ready), 10_000, () => `${args.join(' ')} did not print ${ready}: ${out}`, exited);
  return { child, exited };
}

const node = (tool: string, args: string[]): string[] => [process.execPath, `${TOOLS}${tool}.js`, ...args];

async function startWho(ns: NetNs, by: string): Promise<RunningSockex> {
  return startSockex(ns, ['--json', '--interval', '0.2', '-i', 'lo', '--by', by], true);
}

test('UDP: two senders in two cgroups (one as nobody), a receiver from before start in a third: exact per process, user and cgroup, tx and rx', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoudp');
  const [a, b, r] = [TestCgroup.create(t, 'senda'), TestCgroup.create(t, 'sendb'), TestCgroup.create(t, 'recv')];
  const sizesA = [10, 200, 1000];
  const sizesB = [30, 1400];
  const bytesA = sum(sizesA.map(udp4Frame));
  const bytesB = sum(sizesB.map(udp4Frame));
  const port = 7000;
  for (const by of ['process', 'user', 'cgroup'] as const) {
    await t.test(`--by ${by}`, async (st) => {
      // The receiver's socket is opened before sockex starts: the seed must know it.
      const receiver = await startIn(st, ns, r, node('who-udp', ['receive', 'sx-receiver', '127.0.0.1', String(port), String(sizesA.length + sizesB.length)]), 'listening');
      const sockex = await startWho(ns, by);
      st.after(() => sockex.child.kill());
      const sentA = JSON.parse(runIn(ns, a, node('who-udp', ['send', 'sx-sender-a', '127.0.0.1', String(port), sizesA.join(',')]))) as { pid: number };
      const sentB = JSON.parse(runIn(ns, b, node('who-udp', ['send', 'sx-sender-b', '127.0.0.1', String(port), sizesB.join(',')]), true)) as { pid: number };
      assert.equal(await receiver.exited, 0, 'the receiver got every datagram');
      // Both senders have exited: their counts must stay.
      await sockex.sampleShowing((s) => counter(s, { direction: 'rx', family: 'ipv4', protocol: UDP }).packets === sizesA.length + sizesB.length);
      assert.equal(await sockex.stop(), 0, sockex.stderr);
      for (const sample of sockex.samples()) assertAddsUp(sample);
      const sample = sockex.lastSample();
      assert.deepEqual(sample.breakdown?.by, [by]);
      const tx = owned(parts(sample, 'tx', UDP));
      const rx = owned(parts(sample, 'rx', UDP));
      const all = { bytes: bytesA + bytesB, packets: sizesA.length + sizesB.length };
      if (by === 'process') {
        const expected = [
          { pid: sentA.pid, command: 'sx-sender-a', uid: 0, bytes: bytesA, packets: sizesA.length },
          { pid: sentB.pid, command: 'sx-sender-b', uid: NOBODY, bytes: bytesB, packets: sizesB.length },
        ].sort((x, y) => x.pid - y.pid);
        assert.deepEqual(tx, expected);
        assert.deepEqual(rx, [{ pid: receiver.child.pid, command: 'sx-receiver', uid: 0, ...all }]);
      } else if (by === 'user') {
        assert.deepEqual(tx, [
          { uid: 0, bytes: bytesA, packets: sizesA.length },
          { uid: NOBODY, bytes: bytesB, packets: sizesB.length },
        ]);
        assert.deepEqual(rx, [{ uid: 0, ...all }]);
      } else {
        const expected = [
          { cgroup_id: Number(a.id), bytes: bytesA, packets: sizesA.length },
          { cgroup_id: Number(b.id), bytes: bytesB, packets: sizesB.length },
        ].sort((x, y) => x.cgroup_id - y.cgroup_id);
        assert.deepEqual(tx, expected);
        assert.deepEqual(rx, [{ cgroup_id: Number(r.id), ...all }]);
      }
    });
  }
});

test('TCP between two processes in two cgroups: each side its own, both directions exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whotcp');
  const [s, c] = [TestCgroup.create(t, 'server'), TestCgroup.create(t, 'client')];
  const sockex = await startWho(ns, 'cgroup');
  t.after(() => sockex.child.kill());
  const server = await startIn(t, ns, s, node('tcp-peer', ['serve', '127.0.0.1', '7100']), 'listening');
  runIn(ns, c, node('tcp-peer', ['call', '127.0.0.1', '7100', '300000']));
  assert.equal(await server.exited, 0);
  const total = (sample: JsonSample, direction: 'tx' | 'rx'): number => counter(sample, { direction, family: 'ipv4', protocol: TCP }).packets;
  // Wait for the last frames both ways (the tx and rx counts of lo agree once all are through).
  await sockex.sampleShowing((sample) => total(sample, 'tx') > 0 && total(sample, 'tx') === total(sample, 'rx'));
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  const side = (direction: 'tx' | 'rx', cgroup: TestCgroup): { bytes: number; packets: number } => {
    const part = parts(sample, direction, TCP).find((p) => p.cgroup_id === Number(cgroup.id));
    return { bytes: part?.bytes ?? 0, packets: part?.packets ?? 0 };
  };
  // No frame of the connection is anyone else's; on lo what one side sends the other receives.
  assert.deepEqual(owned(parts(sample, 'tx', TCP)).length, 2, JSON.stringify(parts(sample, 'tx', TCP)));
  assert.deepEqual(side('tx', c), side('rx', s), 'client to server');
  assert.deepEqual(side('tx', s), side('rx', c), 'server to client');
  assert.ok(side('tx', c).bytes > 300000, 'the client sent the payload');
});

test('ping: the request and its reply are the ping process\'s; the reply the kernel sends and the request it answers are the kernel\'s', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoping');
  const p = TestCgroup.create(t, 'ping');
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  runIn(ns, p, ['ping', '-c', '3', '-i', '0.2', '-q', '127.0.0.1']);
  await sockex.sampleShowing((sample) => counter(sample, { direction: 'rx', family: 'ipv4', protocol: ICMP }).packets === 6);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  const three = { bytes: 3 * PING4_FRAME, packets: 3 };
  for (const direction of ['tx', 'rx'] as const) {
    const list = owned(parts(sample, direction, ICMP));
    assert.equal(list.length, 2, `${direction}: ${JSON.stringify(list)}`);
    const ping = parts(sample, direction, ICMP).find((x) => x.command === 'ping');
    assert.ok(ping?.pid !== undefined && ping.uid === 0, `${direction}: the ping process's part`);
    assert.deepEqual({ bytes: ping.bytes, packets: ping.packets }, three);
    assert.deepEqual(list.find((x) => 'owner' in x), { owner: 'kernel', ...three });
  }
});

test('under a flood sampled every 0.05 s, every sample adds up', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoflood');
  const f = TestCgroup.create(t, 'flood');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.05', '-i', 'lo', '--by', 'process'], true);
  t.after(() => sockex.child.kill());
  const sizes = Array.from({ length: 2000 }, (_, i) => 20 + (i % 700));
  runIn(ns, f, node('udp', ['4', sizes.join(',')]));
  await sockex.sampleShowing((s) => counter(s, { direction: 'rx', family: 'ipv4', protocol: UDP }).packets === sizes.length);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const samples = sockex.samples();
  assert.ok(samples.length > 3, 'several samples during the flood');
  for (const sample of samples) assertAddsUp(sample);
  const udp = owned(parts(samples.at(-1)!, 'tx', UDP));
  assert.equal(udp.length, 1, 'one sender');
  assert.deepEqual(udp[0], { ...(udp[0] as object), bytes: sum(sizes.map(udp4Frame)), packets: sizes.length });
});

test('--by process refused: no cgroup2 mount (exit 12), or capabilities missing, each named (exit 3)', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whorefuse');
  // ip netns exec remounts /sys: no cgroup2 mount in sockex's view.
  const unmounted = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '--json', '-c', '1', '-i', 'lo', '--by', 'process'], { encoding: 'utf8' });
  assert.equal(unmounted.status, 12, unmounted.stderr);
  assert.match(unmounted.stderr, /^sockex: no cgroup v2 hierarchy is mounted here .*--by process\/user\/cgroup need one.*name one with --cgroup2 PATH/);
  assert.equal(unmounted.stderr.trim().split('\n').length, 1);
  const caps = '+bpf,+net_raw';
  const limited = spawnSync(
    'nsenter',
    [`--net=/run/netns/${ns.name}`, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, process.execPath, CLI, '--json', '-c', '1', '-i', 'lo', '--by', 'user'],
    { encoding: 'utf8' },
  );
  assert.equal(limited.status, 3, limited.stderr);
  assert.match(limited.stderr, /^sockex: --by process\/user\/cgroup attach socket hooks, which need CAP_NET_ADMIN, CAP_PERFMON too/);
  assert.equal(limited.stderr.trim().split('\n').length, 1);
});

test('--by process as root: drops to nobody after attaching (no capabilities left), and still attributes new sockets', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whodrop');
  const a = TestCgroup.create(t, 'dropa');
  const sockex = new RunningSockex(
    spawn('nsenter', [`--net=/run/netns/${ns.name}`, 'env', '-u', 'SUDO_UID', '-u', 'SUDO_GID', process.execPath, CLI, '--json', '--interval', '0.1', '-i', 'lo', '--by', 'process'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  t.after(() => sockex.child.kill('SIGKILL'));
  await sockex.attached();
  const status = readFileSync(`/proc/${sockex.child.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  assert.match(status, /^CapEff:\s+0000000000000000$/m);
  const sent = JSON.parse(runIn(ns, a, node('who-udp', ['send', 'sx-after-drop', '127.0.0.1', '7200', '100,200']))) as { pid: number };
  await sockex.sampleShowing((s) => parts(s, 'tx', UDP).some((p) => p.pid === sent.pid));
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  assert.doesNotMatch(sockex.stderr, /keeping root/);
  const mine = parts(sockex.lastSample(), 'tx', UDP).find((p) => p.pid === sent.pid);
  assert.deepEqual(mine && { command: mine.command, bytes: mine.bytes, packets: mine.packets }, { command: 'sx-after-drop', bytes: udp4Frame(100) + udp4Frame(200), packets: 2 });
});

test('IPv4 received by a dual-stack IPv6 socket (bound to ::) is that socket\'s', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whodual');
  const r = TestCgroup.create(t, 'dual');
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  const receiver = await startIn(t, ns, r, node('who-udp', ['receive', 'sx-dual', '::', '7300', '2']), 'listening');
  runIn(ns, r, node('who-udp', ['send', 'sx-v4-sender', '127.0.0.1', '7300', '100,300']));
  assert.equal(await receiver.exited, 0);
  await sockex.sampleShowing((s) => counter(s, { direction: 'rx', family: 'ipv4', protocol: UDP }).packets === 2);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  assert.deepEqual(owned(parts(sockex.lastSample(), 'rx', UDP)), [
    { pid: receiver.child.pid, command: 'sx-dual', uid: 0, bytes: udp4Frame(100) + udp4Frame(300), packets: 2 },
  ]);
});

test('TCP to a port nothing listens on: the SYN is the client\'s, received by no socket (none); the reset is the kernel\'s, received by the client', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whorst');
  const c = TestCgroup.create(t, 'rst');
  const sockex = await startWho(ns, 'cgroup');
  t.after(() => sockex.child.kill());
  runIn(ns, c, [process.execPath, '-e', "require('net').connect(7999, '127.0.0.1').on('error', (e) => process.exit(e.code === 'ECONNREFUSED' ? 0 : 1))"]);
  await sockex.sampleShowing((s) => counter(s, { direction: 'rx', family: 'ipv4', protocol: TCP }).packets === 2);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const sample = sockex.lastSample();
  const tx = owned(parts(sample, 'tx', TCP));
  const rx = owned(parts(sample, 'rx', TCP));
  // SYN: 20 bytes IPv4 + TCP header with options; the reset: a bare header. Told apart by owner, sized by the counter.
  assert.equal(tx.length, 2, JSON.stringify(tx));
  const syn = tx.find((p) => 'cgroup_id' in p) as { cgroup_id: number; bytes: number; packets: number };
  const reset = tx.find((p) => 'owner' in p) as { owner: string; bytes: number; packets: number };
  assert.deepEqual({ cgroup_id: syn.cgroup_id, packets: syn.packets }, { cgroup_id: Number(c.id), packets: 1 });
  assert.deepEqual({ owner: reset.owner, packets: reset.packets }, { owner: 'kernel', packets: 1 });
  assert.deepEqual(rx, [
    { cgroup_id: Number(c.id), bytes: reset.bytes, packets: 1 },
    { owner: 'none', bytes: syn.bytes, packets: 1 },
  ]);
});

test('a TCP connection made before sockex started: both ends seeded, every frame each way its end\'s', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoseed');
  const [s, c] = [TestCgroup.create(t, 'seeds'), TestCgroup.create(t, 'seedc')];
  const server = await startIn(t, ns, s, node('who-tcp', ['serve', 'sx-seed-server', '127.0.0.1', '7400']), 'listening');
  const [file = '', ...rest] = inCgroup(ns, c, node('who-tcp', ['call', 'sx-seed-client', '127.0.0.1', '7400', '200000']));
  const client = spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  const clientExited = new Promise<number | null>((resolve) => client.on('close', resolve));
  t.after(() => client.kill());
  let out = '';
  client.stdout?.on('data', (d: Buffer) => (out += String(d)));
  await waitFor(() => out.includes('connected'), 10_000, () => `the client did not connect: ${out}`, clientExited);
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  client.stdin?.write('go\n');
  assert.equal(await clientExited, 0);
  assert.equal(await server.exited, 0);
  const total = (sample: JsonSample, direction: 'tx' | 'rx'): number => counter(sample, { direction, family: 'ipv4', protocol: TCP }).packets;
  await sockex.sampleShowing((sample) => total(sample, 'tx') > 0 && total(sample, 'tx') === total(sample, 'rx'));
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const sample = sockex.lastSample();
  const of = (direction: 'tx' | 'rx', pid: number | undefined): object | undefined => owned(parts(sample, direction, TCP)).find((p) => (p as { pid?: number }).pid === pid);
  const tx = owned(parts(sample, 'tx', TCP));
  assert.equal(tx.length, 2, `only the two ends: ${JSON.stringify(tx)}`);
  const [clientTx, serverTx] = [of('tx', client.pid), of('tx', server.child.pid)] as { command: string; bytes: number; packets: number }[];
  assert.equal(clientTx?.command, 'sx-seed-client');
  assert.equal(serverTx?.command, 'sx-seed-server');
  assert.deepEqual(of('rx', server.child.pid), { ...serverTx, ...pick(clientTx!) }, 'what the client sent, the server received');
  assert.deepEqual(of('rx', client.pid), { ...clientTx, ...pick(serverTx!) }, 'and back');
  assert.ok(clientTx!.bytes > 200000);
});

const pick = ({ bytes, packets }: { bytes: number; packets: number }): { bytes: number; packets: number } => ({ bytes, packets });

test('IPv6: a UDP sender and receiver, and ping -6, each part exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'who6');
  const [a, r] = [TestCgroup.create(t, 'six-a'), TestCgroup.create(t, 'six-r')];
  const receiver = await startIn(t, ns, r, node('who-udp', ['receive', 'sx-six-recv', '::1', '7500', '2']), 'listening');
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  const sent = JSON.parse(runIn(ns, a, node('who-udp', ['send', 'sx-six-send', '::1', '7500', '40,900']))) as { pid: number };
  assert.equal(await receiver.exited, 0);
  runIn(ns, a, ['ping', '-6', '-c', '2', '-i', '0.2', '-q', '::1']);
  const v6 = (s: JsonSample, direction: 'tx' | 'rx', protocol: number): { bytes: number; packets: number } => counter(s, { direction, family: 'ipv6', protocol });
  await sockex.sampleShowing((s) => v6(s, 'rx', UDP).packets === 2 && v6(s, 'rx', 58).packets === 4);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  const sample = sockex.lastSample();
  for (const s of sockex.samples()) assertAddsUp(s);
  const six = (direction: 'tx' | 'rx', protocol: number): object[] =>
    owned((sample.breakdown?.counters ?? []).filter((c) => c.direction === direction && c.family === 'ipv6' && c.protocol === protocol) as OwnerCounter[]);
  const udp = { bytes: udp6Frame(40) + udp6Frame(900), packets: 2 };
  assert.deepEqual(six('tx', UDP), [{ pid: sent.pid, command: 'sx-six-send', uid: 0, ...udp }]);
  assert.deepEqual(six('rx', UDP), [{ pid: receiver.child.pid, command: 'sx-six-recv', uid: 0, ...udp }]);
  const two = { bytes: 2 * PING6_FRAME, packets: 2 };
  for (const direction of ['tx', 'rx'] as const) {
    const list = six(direction, 58) as { command?: string; owner?: string; bytes: number; packets: number }[];
    assert.equal(list.length, 2, `${direction}: ${JSON.stringify(list)}`);
    assert.deepEqual(pick(list.find((p) => p.command === 'ping')!), two, `${direction}: ping's own`);
    assert.deepEqual(list.find((p) => p.owner !== undefined), { owner: 'kernel', ...two }, `${direction}: the kernel's`);
  }
});

test('a socket made by a thread with a name of its own is named by its process (the main thread\'s name)', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whothread');
  const c = TestCgroup.create(t, 'thread');
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  const script = [
    'import ctypes, os, socket, threading',
    'libc = ctypes.CDLL(None)',
    "libc.prctl(15, b'sx-leader', 0, 0, 0)",
    'def send():',
    "    libc.prctl(15, b'sx-worker', 0, 0, 0)",
    "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * 50, ('127.0.0.1', 7600))",
    'worker = threading.Thread(target=send)',
    'worker.start()',
    'worker.join()',
    'print(os.getpid())',
  ].join('\n');
  const pid = Number(runIn(ns, c, ['python3', '-c', script]).trim());
  await sockex.sampleShowing((s) => counter(s, { direction: 'tx', family: 'ipv4', protocol: UDP }).packets === 1);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  assert.deepEqual(owned(parts(sockex.lastSample(), 'tx', UDP)), [{ pid, command: 'sx-leader', uid: 0, bytes: udp4Frame(50), packets: 1 }]);
});

test('-i any --by cgroup: the parts per interface, exact, adding up', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoany');
  const a = TestCgroup.create(t, 'anya');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'any', '--by', 'cgroup'], true);
  t.after(() => sockex.child.kill());
  runIn(ns, a, node('udp', ['4', '100,700']));
  await sockex.sampleShowing((s) => counter(s, { interface: 'lo', direction: 'rx', family: 'ipv4', protocol: UDP }).packets === 2);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  const udp = { bytes: udp4Frame(100) + udp4Frame(700), packets: 2 };
  for (const direction of ['tx', 'rx'] as const) {
    const list = parts(sample, direction, UDP);
    assert.ok(list.every((p) => p.interface === 'lo'), 'on lo');
    assert.deepEqual(owned(list), [{ cgroup_id: Number(a.id), ...udp }], direction);
  }
});

test('a fragmented UDP datagram: the first fragment each way is its socket\'s, the later ones a part of their own (fragment), adding up', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whofrag');
  // 1500 on lo: a 3,000-byte datagram leaves as three IPv4 fragments of 1480, 1480 and 48 bytes of IP payload.
  ns.exec('ip', ['link', 'set', 'lo', 'mtu', '1500']);
  const [s, r] = [TestCgroup.create(t, 'fragsend'), TestCgroup.create(t, 'fragrecv')];
  const port = 7400;
  const receiver = await startIn(t, ns, r, node('who-udp', ['receive', 'sx-frag-recv', '127.0.0.1', String(port), '2']), 'listening');
  const sockex = await startWho(ns, 'process');
  t.after(() => sockex.child.kill());
  const sent = JSON.parse(runIn(ns, s, node('who-udp', ['send', 'sx-frag-send', '127.0.0.1', String(port), '3000,100']))) as { pid: number };
  assert.equal(await receiver.exited, 0, 'the receiver got both datagrams');
  const first = ETH_HLEN + IPV4_HLEN + 1480;
  const later = { bytes: first + ETH_HLEN + IPV4_HLEN + 48, packets: 2 };
  const whole = { bytes: first + udp4Frame(100), packets: 2 };
  await sockex.sampleShowing((x) => counter(x, { direction: 'rx', family: 'ipv4', protocol: UDP }).packets === 4);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  assert.deepEqual(owned(parts(sample, 'tx', UDP)), [
    { pid: sent.pid, command: 'sx-frag-send', uid: 0, ...whole },
    { owner: 'fragment', ...later },
  ]);
  assert.deepEqual(owned(parts(sample, 'rx', UDP)), [
    { pid: receiver.child.pid, command: 'sx-frag-recv', uid: 0, ...whole },
    { owner: 'fragment', ...later },
  ]);
});

test('ping over a veth pair: ARP is none (no socket sends or takes it), each way, adding up; the ping\'s own parts exact', async (t) => {
  if (!requireRoot(t)) return;
  const { a } = vethPair(t, 'whoarp');
  const p = TestCgroup.create(t, 'arpping');
  const sockex = await startSockex(a, ['--json', '--interval', '0.2', '-i', 'veth-a', '--by', 'process'], true);
  t.after(() => sockex.child.kill());
  runIn(a, p, ['ping', '-c', '1', '-q', '192.0.2.2']);
  await sockex.sampleShowing((s) => counter(s, { direction: 'rx', family: 'ipv4', protocol: ICMP }).packets === 1);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  const arp = (direction: 'tx' | 'rx'): object[] =>
    owned((sample.breakdown?.counters ?? []).filter((c) => c.direction === direction && c.family === 'other' && c.protocol === ARP) as OwnerCounter[]);
  // a asks for b's address and b answers; b learnt a's from the request, so it asks nothing.
  assert.deepEqual(arp('tx'), [{ owner: 'none', bytes: ARP_FRAME, packets: 1 }]);
  assert.deepEqual(arp('rx'), [{ owner: 'none', bytes: ARP_FRAME, packets: 1 }]);
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(
      parts(sample, direction, ICMP).map(({ command, bytes, packets }) => ({ command, bytes, packets })),
      [{ command: 'ping', bytes: PING4_FRAME, packets: 1 }],
      direction,
    );
  }
});

test('a node between two pods (each its own namespace): the forwarded UDP is the sending pod\'s on both of the node\'s veths, exact', async (t) => {
  if (!requireRoot(t)) return;
  const nodeNs = NetNs.create(t, 'whonode');
  const pods = [NetNs.create(t, 'whopod1'), NetNs.create(t, 'whopod2')] as const;
  for (const ns of [nodeNs, ...pods]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  nodeNs.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  pods.forEach((pod, i) => {
    const [outside, inside] = [`sx-node${i}`, `sx-pod${i}`];
    nodeNs.exec('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', pod.name]);
    nodeNs.exec('ip', ['addr', 'add', `10.${i + 1}.0.1/24`, 'dev', outside]);
    nodeNs.exec('ip', ['link', 'set', outside, 'up']);
    pod.exec('ip', ['addr', 'add', `10.${i + 1}.0.2/24`, 'dev', inside]);
    pod.exec('ip', ['link', 'set', inside, 'up']);
    pod.exec('ip', ['route', 'add', 'default', 'via', `10.${i + 1}.0.1`]);
  });
  const [sender, receiver] = [TestCgroup.create(t, 'podsend'), TestCgroup.create(t, 'podrecv')];
  const port = 7500;
  const sizes = [100, 900];
  const listening = await startIn(t, pods[1], receiver, node('who-udp', ['receive', 'sx-pod-recv', '10.2.0.2', String(port), String(sizes.length)]), 'listening');
  const sockex = await startSockex(nodeNs, ['--json', '--interval', '0.2', '-i', 'any', '--by', 'cgroup'], true);
  t.after(() => sockex.child.kill());
  runIn(pods[0], sender, node('who-udp', ['send', 'sx-pod-send', '10.2.0.2', String(port), sizes.join(',')]));
  assert.equal(await listening.exited, 0, 'the receiving pod got every datagram');
  await sockex.sampleShowing((s) => counter(s, { interface: 'sx-node1', direction: 'tx', family: 'ipv4', protocol: UDP }).packets === sizes.length);
  assert.equal(await sockex.stop(), 0, sockex.stderr);
  for (const sample of sockex.samples()) assertAddsUp(sample);
  const sample = sockex.lastSample();
  const udp = { bytes: sum(sizes.map(udp4Frame)), packets: sizes.length };
  for (const [name, direction] of [['sx-node0', 'rx'], ['sx-node1', 'tx']] as const) {
    const list = parts(sample, direction, UDP).filter((p) => p.interface === name);
    assert.deepEqual(owned(list), [{ cgroup_id: Number(sender.id), ...udp }], `${name} ${direction}`);
  }
});
