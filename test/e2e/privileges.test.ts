/**
 * Least privilege: after attaching, sockex runs as the sudo user or nobody
 * (every thread, no capabilities left) and still counts; --keep-privileges
 * stays root; CAP_BPF + CAP_NET_RAW are enough without root at all.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { runCli } from './cli-run.js';
import { udp4Frame } from './frames.js';
import { CLI, counter, NetNs, RunningSockex, requireRoot, type JsonSample } from './harness.js';

interface Ids {
  uid: string;
  gid: string;
  groups: string;
  capEff: string;
}

/** Uid/Gid lines (real, effective, saved, fs) and more, for every thread of the process. */
function threadIds(pid: number): Ids[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const field = (name: string): string => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim().replace(/\s+/g, ' ') ?? '';
    return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups'), capEff: field('CapEff') };
  });
}

async function start(t: TestContext, ns: NetNs, prefix: string[], args: string[] = []): Promise<RunningSockex> {
  const [command = '', ...rest] = [...prefix, process.execPath, CLI, '--json', '--interval', '0.1', ...args];
  const sockex = new RunningSockex(ns.spawn(command, rest));
  // A failed assertion must not leave it running.
  t.after(() => {
    if (sockex.child.exitCode === null && sockex.child.signalCode === null) sockex.child.kill('SIGKILL');
  });
  await sockex.attached();
  return sockex;
}

const udpTx = (s: JsonSample): { bytes: number; packets: number } => counter(s, { direction: 'tx', family: 'ipv4', protocol: 17 });

/** Counts still update after the drop: send, wait for a sample that shows exactly that. */
async function assertStillCounts(ns: NetNs, sockex: RunningSockex): Promise<void> {
  ns.tool('udp', ['4', '100,200']);
  const want = { bytes: udp4Frame(100) + udp4Frame(200), packets: 2 };
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const samples = sockex.samples();
    const last = samples[samples.length - 1];
    if (last && udpTx(last).packets === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(udpTx(sockex.lastSample()), want);
}

test('run as root: drops to nobody in every thread, no capabilities left, still counts', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'priv1');
  const sockex = await start(t, ns, ['env', '-u', 'SUDO_UID', '-u', 'SUDO_GID']);
  const pid = sockex.child.pid!;
  for (const ids of threadIds(pid)) {
    assert.deepEqual(ids, { uid: '65534 65534 65534 65534', gid: '65534 65534 65534 65534', groups: '', capEff: '0000000000000000' });
  }
  await assertStillCounts(ns, sockex);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
  assert.doesNotMatch(sockex.stderr, /keeping root/);
});

test('run through sudo: drops to SUDO_UID/SUDO_GID', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'priv2');
  const sockex = await start(t, ns, ['env', 'SUDO_UID=4321', 'SUDO_GID=4322']);
  for (const ids of threadIds(sockex.child.pid!)) {
    assert.equal(ids.uid, '4321 4321 4321 4321');
    assert.equal(ids.gid, '4322 4322 4322 4322');
    assert.equal(ids.groups, '');
  }
  await assertStillCounts(ns, sockex);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
});

test('--keep-privileges stays root', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'priv3');
  const sockex = await start(t, ns, ['env', '-u', 'SUDO_UID'], ['--keep-privileges']);
  assert.equal(threadIds(sockex.child.pid!)[0]?.uid, '0 0 0 0');
  await assertStillCounts(ns, sockex);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
});

const AS_NOBODY_WITH = (caps: string): string[] => [
  'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`,
];

test('no root at all: CAP_BPF and CAP_NET_RAW are enough', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'caps');
  const sockex = await start(t, ns, AS_NOBODY_WITH('-all,+bpf,+net_raw'));
  assert.equal(threadIds(sockex.child.pid!)[0]?.uid, '65534 65534 65534 65534');
  await assertStillCounts(ns, sockex);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
});

test('either capability alone is not enough: permission error', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'capsx');
  for (const caps of ['-all,+bpf', '-all,+net_raw']) {
    const result = runCli(['--count', '1'], { ns, env: {} });
    assert.equal(result.status, ExitCode.ok, 'control: root works');
    const [command = '', ...rest] = [...AS_NOBODY_WITH(caps), process.execPath, CLI, '--count', '1'];
    const denied = ns.exec('sh', ['-c', `${[command, ...rest].map((a) => `'${a}'`).join(' ')} 2>&1; echo "exit=$?"`]);
    assert.match(denied, /^sockex: not allowed to .*CAP_BPF and CAP_NET_RAW.*\nexit=3\n$/, caps);
  }
});

test('the demo still pings after the drop (ping is started as nobody)', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'privdemo');
  const result = runCli(['demo'], { ns, timeoutMs: 30_000 });
  assert.equal(result.status, ExitCode.ok, result.stderr);
  // Five echo requests and five replies of 98 bytes, all sent (tx) on lo.
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[lines.length - 1], `TCP 0 UDP 0 ICMP ${10 * 98} bytes`);
});
