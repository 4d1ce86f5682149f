/**
 * Faults while running: an interface deleted under sockex, the reader of
 * stdout going away, signals, and two sockex on one interface.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertNoStackTrace, killOnEnd } from './cli-run.js';
import { udp4Frame } from './frames.js';
import { CLI, counter, NetNs, requireRoot, startSockex, waitFor, type JsonSample } from './harness.js';


function sendUdp(ns: NetNs, sizes: number[]): void {
  ns.tool('udp', ['4', sizes.join(',')]);
}

function udpTx(sample: JsonSample, iface: string): { bytes: number; packets: number } {
  return counter(sample, { interface: iface, direction: 'tx', family: 'ipv4', protocol: 17 });
}

function addVeth(ns: NetNs, a: string, b: string): void {
  ns.exec('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  ns.exec('ip', ['link', 'set', a, 'up']);
  ns.exec('ip', ['link', 'set', b, 'up']);
}

test('--exit-when-gone: the only interface disappears: says so and exits with the interface code', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'lost1');
  addVeth(ns, 'sxa', 'sxb');
  const since = highestProgramId();
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.1', '-i', 'sxa', '--exit-when-gone']));
  ns.exec('ip', ['link', 'delete', 'sxa']);
  assert.equal(await sockex.exit(), ExitCode.interface, sockex.stderr);
  assert.match(sockex.stderr, /^sockex: interface sxa disappeared: nothing left to count on$/m);
  assertNoStackTrace(sockex.stderr);
  // The JSON contract holds to the end: every line parses, with a final sample.
  assert.ok(sockex.samples().length >= 1);
  await assertNoProgramLeft(since, sockex.child.pid);
});

test('one of several interfaces disappears: the others keep counting, the lost one is named once', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'lost2');
  addVeth(ns, 'sxa', 'sxb');
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.1', '-i', 'sxa', '-i', 'lo']));
  const before = [100, 200, 300];
  sendUdp(ns, before);
  ns.exec('ip', ['link', 'delete', 'sxa']);
  await waitFor(() => sockex.stderr.includes('interface sxa disappeared'), 5000, () => `no message: ${sockex.stderr}`);
  const after = [400, 500];
  sendUdp(ns, after);
  const all = [...before, ...after];
  const counted = { bytes: all.reduce((s, p) => s + udp4Frame(p), 0), packets: all.length };
  // Still sampling after the loss: a later sample holds what was sent after it.
  await sockex.sampleShowing((sample) => udpTx(sample, 'lo').packets === counted.packets);
  assert.equal(sockex.child.exitCode, null, 'still running');
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);

  assert.deepEqual(udpTx(sockex.lastSample(), 'lo'), counted);
  const lines = sockex.stderr.split('\n').filter((l) => l.includes('disappeared'));
  assert.deepEqual(lines, ['sockex: interface sxa disappeared; its counts stay at their last values, counting goes on']);
  assertNoStackTrace(sockex.stderr);
});

test('the reader of stdout goes away (sockex | head -1): sockex exits quietly at once', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'pipe');
  // 100 samples would take 20 s; the timeout below is half that.
  const script = `"${process.execPath}" "${CLI}" --count 100 --interval 0.2 | head -1; echo "sockex=\${PIPESTATUS[0]}" >&2`;
  const result = spawnSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.error, undefined, 'finished before the timeout');
  assert.match(result.stdout, /^TCP \d+ UDP \d+ ICMP \d+ bytes\n$/);
  const stderr = result.stderr.split('\n').filter((l) => l !== '');
  assert.deepEqual(stderr, ['sockex: counting on lo (no default route here; name another with -i); Ctrl-C to stop', 'sockex=0'], 'no error, no EPIPE message, exit 0');
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal}: clean exit, a final sample, the filter detached`, async (t) => {
    if (!requireRoot(t)) return;
    const ns = NetNs.create(t, signal.toLowerCase());
    const since = highestProgramId();
    const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '5']));
    sendUdp(ns, [64]);
    assert.equal(await sockex.stop(signal), ExitCode.ok, sockex.stderr);
    // The interval is 5 s, so this sample is the one taken on the way out.
    assert.deepEqual(udpTx(sockex.lastSample(), 'lo'), { bytes: udp4Frame(64), packets: 1 });
    assertNoStackTrace(sockex.stderr);
    await assertNoProgramLeft(since, sockex.child.pid);
  });
}

test('Ctrl-C twice in a row: exits promptly either way, nothing left loaded', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'twice');
  const since = highestProgramId();
  const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.1']));
  sockex.child.kill('SIGINT');
  sockex.child.kill('SIGINT');
  const code = await sockex.exit(5000);
  // The first stops cleanly (0); a second one caught while stopping forces exit (1);
  // one arriving after the handlers are gone ends the process by the signal itself.
  assert.ok(code === ExitCode.ok || code === ExitCode.internal || (code === null && sockex.child.signalCode === 'SIGINT'), `exit ${code}`);
  assertNoStackTrace(sockex.stderr);
  await assertNoProgramLeft(since, sockex.child.pid);
});

test('two sockex on the same interface: both count exactly, neither disturbs the other', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'two');
  const first = killOnEnd(t, await startSockex(ns));
  const second = killOnEnd(t, await startSockex(ns));
  const both = [10, 20, 30, 40];
  sendUdp(ns, both);
  // The first one leaves; the second must not notice.
  assert.equal(await first.stop(), ExitCode.ok, first.stderr);
  const onlySecond = [1000, 1400];
  sendUdp(ns, onlySecond);
  await second.sampleShowing((sample) => udpTx(sample, 'lo').packets === both.length + onlySecond.length);
  assert.equal(await second.stop(), ExitCode.ok, second.stderr);

  const sum = (sizes: number[]): number => sizes.reduce((s, p) => s + udp4Frame(p), 0);
  assert.deepEqual(udpTx(first.lastSample(), 'lo'), { bytes: sum(both), packets: both.length });
  assert.deepEqual(udpTx(second.lastSample(), 'lo'), { bytes: sum([...both, ...onlySecond]), packets: both.length + onlySecond.length });
  for (const s of [first, second]) {
    assert.deepEqual(counter(s.lastSample(), { interface: 'lo', direction: 'rx', family: 'ipv4', protocol: 17 }), udpTx(s.lastSample(), 'lo'));
  }
});
