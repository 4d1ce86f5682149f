/**
 * Interface names as the kernel allows them: any bytes but "/", ":" and
 * spaces, so non-ASCII (hxé) and control characters (hx\x07). Such a name is
 * counted by name as by -i any, and printed as it is: raw in JSON (which
 * escapes control characters its own way), with control characters written
 * \xNN on the terminal (the status line).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { killOnEnd } from './cli-run.js';
import { counter, NetNs, requireRoot, startSockex, waitFor, type JsonSample } from './harness.js';

const ACCENTED = 'hx\u00e9';
const BELL = 'hx\x07';
const FRAMES = 7;
const FRAME_BYTES = 100;

/** A veth pair named ACCENTED and BELL, up, with nothing of the kernel's own on it. */
function oddlyNamedPair(t: TestContext): NetNs {
  const ns = NetNs.create(t, 'ifbytes');
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  ns.exec('ip', ['link', 'add', ACCENTED, 'type', 'veth', 'peer', 'name', BELL]);
  ns.exec('ip', ['link', 'set', ACCENTED, 'up']);
  ns.exec('ip', ['link', 'set', BELL, 'up']);
  return ns;
}

const sent = (sample: JsonSample): number => sample.counters.reduce((sum, c) => sum + c.packets, 0);

for (const args of [['-i', ACCENTED, '-i', BELL], ['-i', 'any']]) {
  test(`a veth named ${JSON.stringify(ACCENTED)} and its peer ${JSON.stringify(BELL)}, ${args[1] === 'any' ? '-i any' : 'each by name'}: exact counts under their names`, async (t) => {
    if (!requireRoot(t)) return;
    const ns = oddlyNamedPair(t);
    const sockex = killOnEnd(t, await startSockex(ns, ['--json', '--interval', '0.2', ...args]));
    if (args[1] !== 'any') {
      const status = sockex.stderr.split('\n').find((line) => line.startsWith('sockex: counting on'));
      assert.equal(status, `sockex: counting on ${ACCENTED}, hx\\x07`, 'the status line: as it is, the control character escaped');
    }
    ns.tool('raw-frames', [ACCENTED, '0x88b5', String(FRAMES), String(FRAME_BYTES)]);
    await waitFor(() => sockex.samples().some((s) => sent(s) >= 2 * FRAMES), 10_000, () => `not counted: ${sockex.stdout.slice(-2000)}`);
    assert.equal(await sockex.stop(), 0, sockex.stderr);
    const last = sockex.lastSample();
    const want = { bytes: FRAMES * FRAME_BYTES, packets: FRAMES };
    assert.deepEqual(counter(last, { interface: ACCENTED, direction: 'tx', family: 'other', protocol: 0x88b5 }), want);
    assert.deepEqual(counter(last, { interface: BELL, direction: 'rx', family: 'other', protocol: 0x88b5 }), want);
    assert.equal(sent(last), 2 * FRAMES, `nothing else: ${JSON.stringify(last.counters)}`);
    // The names as the kernel has them, byte for byte, in the JSON text.
    assert.ok(sockex.stdout.includes('"interface":"hx\u00e9"') && sockex.stdout.includes('"interface":"hx\\u0007"'), sockex.stdout.slice(-500));
  });
}
