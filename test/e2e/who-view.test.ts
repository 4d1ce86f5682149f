/**
 * What user space adds to --by process and --by cgroup, on the real kernel
 * side: the user name, the cgroup path of the id the kernel recorded, the
 * exited mark of a sender gone before the sample, in the JSON; and the
 * processes view of the dashboard at 80x24 in a real terminal (tmux).
 * sockex and the processes keep the host's mounts (nsenter --net), as in
 * who.test.ts, so the cgroup2 mount is the real one.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { TestCgroup } from './cgroups.js';
import { udp4Frame } from './frames.js';
import { CLI, NetNs, TOOLS, counter, requireRoot, startSockex, waitFor, type JsonBreakdownCounter, type JsonSample } from './harness.js';
import { httpGet } from './http-get.js';
import { TmuxTerminal } from './tmux.js';

const UDP = 17;
const PORT = 7300;
const SIZES = [100, 1000];

interface DetailedCounter extends JsonBreakdownCounter {
  command?: string;
  user?: string;
  cgroup?: string;
  exited?: boolean;
}

const udpParts = (sample: JsonSample, direction: 'tx' | 'rx'): DetailedCounter[] =>
  (sample.breakdown?.counters ?? []).filter((c) => c.direction === direction && c.protocol === UDP) as DetailedCounter[];

/** argv of a who-udp process in the namespace and the cgroup, with the host's mounts. */
function whoUdp(ns: NetNs, cgroup: TestCgroup, args: string[]): string[] {
  return ['nsenter', `--net=/run/netns/${ns.name}`, ...cgroup.wrap([process.execPath, `${TOOLS}who-udp.js`, ...args])];
}

/** A receiver that stays (it waits for more than is sent) until the test ends. */
async function startReceiver(t: TestContext, ns: NetNs, cgroup: TestCgroup): Promise<void> {
  const [file = '', ...rest] = whoUdp(ns, cgroup, ['receive', 'sx-listener', '127.0.0.1', String(PORT), '1000']);
  const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('close', resolve));
  t.after(async () => {
    child.kill();
    await exited;
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  await waitFor(() => out.includes('listening'), 10_000, () => `the receiver did not start: ${out}`, exited);
}

/** A sender that sends SIZES and exits; its pid. */
function send(ns: NetNs, cgroup: TestCgroup): number {
  const [file = '', ...rest] = whoUdp(ns, cgroup, ['send', 'sx-gone', '127.0.0.1', String(PORT), SIZES.join(',')]);
  const result = spawnSync(file, rest, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { pid: number }).pid;
}

test('JSON: the user name and exited (--by process), the cgroup path (--by cgroup), from the real kernel side', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoview');
  const [senders, receivers] = [TestCgroup.create(t, 'viewsend'), TestCgroup.create(t, 'viewrecv')];
  const bytes = SIZES.map(udp4Frame).reduce((a, b) => a + b, 0);
  for (const by of ['process', 'cgroup'] as const) {
    await t.test(`--by ${by}`, async (st) => {
      await startReceiver(st, ns, receivers);
      const sockex = await startSockex(ns, ['--json', '--interval', '0.2', '-i', 'lo', '--by', by], true);
      st.after(() => sockex.child.kill());
      const pid = send(ns, senders);
      const received = (s: JsonSample): boolean => counter(s, { direction: 'rx', family: 'ipv4', protocol: UDP }).packets === SIZES.length;
      // A sample taken once the sender is gone (the sender has exited when send() returns).
      await sockex.sampleShowing((s) => received(s) && (by === 'cgroup' || udpParts(s, 'tx').some((c) => c.exited === true)));
      const sample = sockex.samples().filter(received).at(-1)!;
      assert.equal(await sockex.stop(), 0, sockex.stderr);
      const pick = ({ command, user, cgroup, exited, bytes: b, packets }: DetailedCounter): object => ({ command, user, cgroup, exited, bytes: b, packets });
      if (by === 'process') {
        assert.deepEqual(udpParts(sample, 'tx').map(pick), [{ command: 'sx-gone', user: 'root', cgroup: undefined, exited: true, bytes, packets: SIZES.length }], `pid ${pid}`);
        assert.deepEqual(udpParts(sample, 'rx').map(pick), [{ command: 'sx-listener', user: 'root', cgroup: undefined, exited: undefined, bytes, packets: SIZES.length }]);
      } else {
        assert.deepEqual(udpParts(sample, 'tx').map(pick), [{ command: undefined, user: undefined, cgroup: senders.path, exited: undefined, bytes, packets: SIZES.length }]);
        assert.deepEqual(udpParts(sample, 'rx').map(pick), [{ command: undefined, user: undefined, cgroup: receivers.path, exited: undefined, bytes, packets: SIZES.length }]);
      }
    });
  }
});

test('metrics: command and user (--by process), cgroup (--by cgroup) labels with exact bytes, never pid; promtool check metrics passes', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whoprom');
  const [senders, receivers] = [TestCgroup.create(t, 'promsend'), TestCgroup.create(t, 'promrecv')];
  const url = 'http://127.0.0.1:9473/metrics';
  const bytes = SIZES.map(udp4Frame).reduce((a, b) => a + b, 0);
  for (const by of ['process', 'cgroup'] as const) {
    await t.test(`--by ${by}`, async (st) => {
      await startReceiver(st, ns, receivers);
      const sockex = await startSockex(ns, ['--json', '--metrics', '9473', '--interval', '0.2', '-i', 'lo', '--by', by], true);
      st.after(() => sockex.child.kill());
      send(ns, senders);
      const labels = by === 'process' ? 'command="sx-gone",user="root"' : `cgroup="${senders.path}"`;
      const sent = new RegExp(`^sockex_breakdown_bytes_total\\{device="lo",direction="transmit",family="ipv4",protocol="udp",${labels}\\} ${bytes}$`, 'm');
      let text = '';
      await waitFor(() => sent.test((text = httpGet(ns, url) ?? '')), 10_000, () => `the sender's series never showed: ${text}`);
      assert.equal(/pid=/.test(text), false);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.equal(`${check.stdout}${check.stderr}`, '', 'no warnings either');
      assert.equal(await sockex.stop(), 0, sockex.stderr);
    });
  }
});

test('the processes view at 80x24: pid, user, command of the sender (exited) and the receiver, tx and rx exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'whotui');
  const [senders, receivers] = [TestCgroup.create(t, 'tuisend'), TestCgroup.create(t, 'tuirecv')];
  // In a subtest: the receiver is gone (its after) before its cgroup is removed (the test's).
  await t.test('in tmux', async (st) => {
    await startReceiver(st, ns, receivers);
    const sockex = ['nsenter', `--net=/run/netns/${ns.name}`, process.execPath, CLI, '-i', 'lo', '--by', 'process', '--interval', '0.5'].join(' ');
    const terminal = new TmuxTerminal(st, `export LANG=C.UTF-8; ${sockex}; exec sleep 600`, { width: 80, height: 24 });
    await terminal.until('the dashboard', (s) => s.includes('PROTOCOL'));
    const pid = send(ns, senders);
    // The processes view, every digit.
    terminal.keys('b');
    terminal.keys('e');
    const exact = `${SIZES.map(udp4Frame).reduce((a, b) => a + b, 0).toLocaleString('en')} B`;
    const screen = await terminal.until('the sender, exited, with its bytes', (s) => new RegExp(`^ *${pid}  root  sx-gone \\(exited\\) +tx +${exact} `, 'm').test(s));
    const lines = screen.split('\n');
    assert.match(lines.find((l) => /^ +PID  USER/.test(l)) ?? '', /^ +PID  USER  COMMAND +DIR +TOTAL +PACKETS +RATE/);
    assert.match(screen, /^━━ processes on lo ━+$/m);
    const listener = lines.findIndex((l) => / root  sx-listener +tx +0 B /.test(l));
    assert.ok(listener > 0, screen);
    assert.match(lines[listener + 1] ?? '', new RegExp(`^ +rx +${exact} +2 `));
    terminal.keys('q');
    await terminal.until('sockex gone', (s) => !s.includes('processes on lo'));
  });
});
