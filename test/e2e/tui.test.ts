/**
 * The dashboard in a real terminal: the real CLI runs inside tmux in a fresh
 * network namespace, real UDP traffic goes over its lo, and the screen is
 * read back with capture-pane. Keys go in with send-keys. Every wait polls
 * the screen for what should appear; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertNoStackTrace } from './cli-run.js';
import { PING4_FRAME, udp4Frame } from './frames.js';
import { CLI, NetNs, ROOT, requireRoot } from './harness.js';
import { TmuxTerminal } from './tmux.js';

const WIDTH = 100;
const HEIGHT = 30;
/** A UDP frame on lo: Ethernet + IPv4 + UDP headers + payload. */
const exact = (n: number): string => n.toLocaleString('en-US');

/** sockex in a tmux terminal, then a shell line that reports how it left the terminal. */
class Pane extends TmuxTerminal {
  /**
   * env: extra shell assignments for the terminal, e.g. "TERM=dumb"; via: a
   * command that runs sockex inside the namespace, e.g. ['env', 'PATH=/x'];
   * shell: run it from an interactive bash (job control, so Ctrl-Z and fg work);
   * cli: another copy of the bundled bin.
   */
  constructor(
    t: TestContext,
    ns: NetNs,
    args: string[],
    { env = '', via = [] as string[], width = WIDTH, height = HEIGHT, shell = false, cli = CLI } = {},
  ) {
    const sockex = ['ip', 'netns', 'exec', ns.name, ...via, process.execPath, cli, ...args].map(quote).join(' ');
    // stty -g before and after: the terminal modes must come back byte for byte.
    const script =
      `export LANG=C.UTF-8 ${env}; before=$(stty -g); ${sockex}; code=$?; ` +
      `if [ "$(stty -g)" = "$before" ]; then echo tty-restored; else echo tty-changed; fi; ` +
      `echo sockex-exit=$code`;
    super(t, shell ? 'env PS1="$ " bash --norc --noprofile -i' : `${script}; exec sleep 600`, { width, height });
    if (shell) {
      // sockex alone on its command line, so that Ctrl-Z stops it and nothing after it runs on.
      this.type(`export LANG=C.UTF-8 ${env}; before=$(stty -g)`);
      this.type(sockex);
    }
  }
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

interface Cells {
  bytes: string;
  packets: string;
}

/** The TOTAL and PACKETS cells of a protocol's tx line and the rx line under it. */
function row(screen: string, name: string): { tx: Cells; rx: Cells } | undefined {
  const lines = screen.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`${name} `) && /^\S+\s+tx\s/.test(line));
  if (at < 0) return undefined;
  const tx = (lines[at] ?? '').trim().split(/\s{2,}/);
  const rx = (lines[at + 1] ?? '').trim().split(/\s{2,}/);
  if (tx[1] !== 'tx' || rx[0] !== 'rx') return undefined;
  return { tx: { bytes: tx[2] ?? '', packets: tx[3] ?? '' }, rx: { bytes: rx[1] ?? '', packets: rx[2] ?? '' } };
}

/** The row shows exactly these counts in both directions (every frame on lo is seen once each way). */
function shows(screen: string, name: string, bytes: string, packets: string): boolean {
  const r = row(screen, name);
  return r !== undefined && r.tx.bytes === bytes && r.tx.packets === packets && r.rx.bytes === bytes && r.rx.packets === packets;
}

/** The live "elapsed" seconds in the header. */
function elapsedSeconds(screen: string): number {
  const m = /elapsed (\d+):(\d\d):(\d\d)/.exec(screen);
  assert.ok(m, `no elapsed time in the header:\n${screen}`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

async function expectCleanExit(pane: Pane, how: string): Promise<void> {
  const screen = await pane.until(`the shell after sockex (${how})`, (s) => /sockex-exit=\d+/.test(s));
  assert.match(screen, /sockex-exit=0\b/, `sockex exits 0 after ${how}`);
  assert.match(screen, /^tty-restored$/m, `terminal modes restored after ${how} (raw mode off)`);
  const flags = pane.flags();
  assert.deepEqual(
    { alternate: flags.alternate, cursor: flags.cursor, keypad: flags.keypad },
    { alternate: '0', cursor: '1', keypad: '0' },
    `alternate screen left, cursor shown, keypad reset after ${how}`,
  );
  assert.doesNotMatch(flags.title, /sockex/, 'the terminal title was not changed');
  // Nothing else reached the terminal: no status line, no final sample line, no error.
  const printed = screen.split('\n').filter((line) => line.trim() !== '');
  assert.deepEqual(printed, ['tty-restored', 'sockex-exit=0'], `only the shell's lines are on the normal screen after ${how}`);
}

test('dashboard: exact counts of real UDP traffic on screen; p, r, u, resize and q do what they say', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2']);

  let screen = await pane.until('the dashboard', (s) => s.includes(' LIVE') && row(s, 'UDP') !== undefined);
  for (const name of ['TCP', 'UDP', 'ICMP']) assert.ok(shows(screen, name, '0 B', '0'), `${name} is shown at zero:\n${screen}`);
  assert.match(screen, /^sockex {2}lo {2}elapsed \d+:\d\d:\d\d {2}interval 0\.2 s/m);

  pane.keys('e');
  await pane.until('exact values on', (s) => s.includes('e exact:on'));

  const sizes = [100, 200, 300];
  ns.tool('udp', ['4', sizes.join(',')]);
  const sent = sizes.reduce((sum, size) => sum + udp4Frame(size), 0);
  screen = await pane.until(`UDP ${sent} B in 3 packets each way`, (s) => shows(s, 'UDP', `${exact(sent)} B`, '3'));
  assert.ok(shows(screen, 'Total', `${exact(sent)} B`, '3'), `the total is the UDP traffic alone:\n${screen}`);
  assert.ok(shows(screen, 'TCP', '0 B', '0'));
  assert.ok(shows(screen, 'ICMP', '0 B', '0'));

  // p: the tables freeze while the kernel keeps counting.
  pane.keys('p');
  await pane.until('PAUSED', (s) => s.includes(' PAUSED'));
  ns.tool('udp', ['4', '50']);
  const afterSend = elapsedSeconds(pane.capture());
  // The header clock keeps running; two seconds on, at 0.2 s a sample, the new datagram was read many times over.
  screen = await pane.until('the clock moving on while paused', (s) => elapsedSeconds(s) >= afterSend + 2);
  assert.ok(shows(screen, 'UDP', `${exact(sent)} B`, '3'), `paused: UDP still shows the old counts:\n${screen}`);
  assert.ok(screen.includes(' PAUSED'));

  // p again: live, and the datagram sent while paused was counted.
  pane.keys('p');
  const total = sent + udp4Frame(50);
  await pane.until(`UDP ${total} B in 4 packets after resuming`, (s) => s.includes(' LIVE') && shows(s, 'UDP', `${exact(total)} B`, '4'));

  // r: zero from now on; then only new traffic shows.
  pane.keys('r');
  screen = await pane.until('UDP reset to zero', (s) => shows(s, 'UDP', '0 B', '0') && /reset \d+:\d\d:\d\d ago/.test(s));
  assert.ok(shows(screen, 'Total', '0 B', '0'));
  ns.tool('udp', ['4', '10,20']);
  const since = udp4Frame(10) + udp4Frame(20);
  screen = await pane.until(`UDP ${since} B in 2 packets since the reset`, (s) => shows(s, 'UDP', `${exact(since)} B`, '2'));
  assert.ok(shows(screen, 'Total', `${exact(since)} B`, '2'));

  // u: bytes IEC -> bytes SI -> bits SI.
  pane.keys('u');
  await pane.until('bytes SI', (s) => s.includes('u units:bytes SI'));
  pane.keys('u');
  await pane.until(`UDP ${since * 8} bit`, (s) => s.includes('u units:bits SI') && shows(s, 'UDP', `${exact(since * 8)} bit`, '2'));

  // e off: rounded values (SI kilobits now).
  pane.keys('e');
  ns.tool('udp', ['4', '1400,1400']);
  const rounded = ((since + 2 * udp4Frame(1400)) * 8) / 1000;
  await pane.until(`UDP ${rounded.toFixed(1)} kbit`, (s) => s.includes('e exact:off') && shows(s, 'UDP', `${rounded.toFixed(1)} kbit`, '4'));

  // s cycles the sort (rate first); ? shows the keys until Esc.
  pane.keys('s');
  await pane.until('sorted by bytes', (s) => s.includes('s sort:bytes'));
  pane.keys('?');
  await pane.until('the key list', (s) => /^ {2}r {9}reset the displayed counters/m.test(s) && row(s, 'UDP') === undefined);
  pane.keys('Escape');
  await pane.until('the tables after Esc', (s) => shows(s, 'UDP', `${rounded.toFixed(1)} kbit`, '4'));

  // Resizing re-lays the screen; too small says so instead of garbling.
  pane.tmux(['resize-window', '-t', 'term', '-x', '30', '-y', '6']);
  await pane.until('the too-small message', (s) => s.startsWith('terminal too small: 30x6'));
  pane.tmux(['resize-window', '-t', 'term', '-x', String(WIDTH), '-y', String(HEIGHT)]);
  await pane.until('the tables again', (s) => shows(s, 'UDP', `${rounded.toFixed(1)} kbit`, '4'));

  pane.keys('q');
  await expectCleanExit(pane, 'q');
});

for (const how of ['Ctrl-C', 'SIGTERM', 'SIGHUP'] as const) {
  test(`dashboard: ${how} quits, detaches and restores the terminal`, async (t) => {
    if (!requireRoot(t)) return;
    const ns = NetNs.create(t, 'tui');
    const pane = new Pane(t, ns, ['--interval', '0.2']);
    await pane.until('the dashboard', (s) => s.includes(' LIVE') && row(s, 'UDP') !== undefined);
    if (how === 'Ctrl-C') {
      pane.keys('C-c');
    } else {
      // ip netns exec execs node, so the one process in the namespace is sockex.
      const pids = spawnSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      assert.equal(pids.length, 1, `one process in the namespace: ${pids.join(' ')}`);
      process.kill(Number(pids[0]), how);
    }
    await expectCleanExit(pane, how);
    // Detached: no socket of sockex is left in the namespace, because no process is.
    assert.equal(spawnSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).stdout.trim(), '');
  });
}

/**
 * sx0, a second interface to count on: both ends up, so it has a carrier (the
 * header would say it has none), and no IPv6 on it, so no neighbour discovery
 * adds rows the layout does not expect.
 */
function addQuietVeth(ns: NetNs): void {
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  ns.exec('ip', ['link', 'add', 'sx0', 'type', 'veth', 'peer', 'name', 'sx1']);
  ns.exec('ip', ['link', 'set', 'sx0', 'up']);
  ns.exec('ip', ['link', 'set', 'sx1', 'up']);
}

/** The lines of one table, from its title rule to the next rule. */
function section(screen: string, title: string): string {
  const lines = screen.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`━━ ${title} `));
  if (start < 0) return '';
  const end = lines.findIndex((line, i) => i > start && line.startsWith('━━ '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/**
 * The bundled bin copied under a directory only root may enter, as a clone
 * in /root is (its node_modules and compiled filters linked from there too,
 * so that nobody cannot reach them either).
 */
function binOnlyRootCanRead(t: TestContext): string {
  const locked = mkdtempSync(join(tmpdir(), 'sockex-root-only-'));
  t.after(() => rmSync(locked, { recursive: true, force: true }));
  chmodSync(locked, 0o700);
  const copy = join(locked, 'sockex');
  mkdirSync(join(copy, 'bpf'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  cpSync(dirname(CLI), join(copy, 'dist', 'src', 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  symlinkSync(join(ROOT, 'bpf', 'build'), join(copy, 'bpf', 'build'));
  return join(copy, 'dist', 'src', 'bin', basename(CLI));
}

test('dashboard: run from a directory only root can read (a clone in /root), it opens and counts after becoming nobody', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2'], { cli: binOnlyRootCanRead(t) });
  await pane.until('the table', (s) => row(s, 'UDP') !== undefined);
  ns.tool('udp', ['4', '64']);
  await pane.until(`UDP ${udp4Frame(64)} B`, (s) => shows(s, 'UDP', `${udp4Frame(64)} B`, '1'));
  pane.keys('q');
  await expectCleanExit(pane, 'q, run from a directory only root can read');
});

test("dashboard with GNU screen's TERM (screen-256color): no page of blessed's terminfo errors before it or after it", async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2'], { env: 'TERM=screen-256color' });
  await pane.until('the table', (s) => row(s, 'UDP') !== undefined);
  pane.keys('q');
  await expectCleanExit(pane, 'q with TERM=screen-256color');
});

test('dashboard: several interfaces get a table each plus one for all of them', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  addQuietVeth(ns);
  const pane = new Pane(t, ns, ['--interval', '0.2', '-i', 'lo', '-i', 'sx0']);
  await pane.until('three tables', (s) => ['lo', 'sx0', 'all interfaces'].every((title) => row(section(s, title), 'UDP') !== undefined));
  pane.keys('e');
  await pane.until('exact values on', (s) => s.includes('e exact:on'));
  const sizes = [64, 128];
  ns.tool('udp', ['4', sizes.join(',')]);
  const sent = sizes.reduce((sum, size) => sum + udp4Frame(size), 0);
  // The loopback UDP is on lo and in the all-interfaces table, never on the veth.
  const screen = await pane.until(`UDP ${sent} B on lo and in all interfaces`, (s) =>
    ['lo', 'all interfaces'].every((title) => shows(section(s, title), 'UDP', `${exact(sent)} B`, '2')),
  );
  assert.ok(shows(section(screen, 'sx0'), 'UDP', '0 B', '0'), screen);
  assert.match(screen, /^sockex {2}lo, sx0 {2}elapsed/m);
  pane.keys('q');
  await expectCleanExit(pane, 'q with several interfaces');
});

test('dashboard: the demo shows ping running, then its replies and the exact ICMP bytes', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['demo', '--interval', '0.2']);
  await pane.until('ping running', (s) => /^demo: ping localhost running/m.test(s));
  pane.keys('e');
  // ping -4 -c5 localhost: 5 echo requests and 5 replies of PING4_FRAME bytes, each seen tx and rx on lo.
  const frames = 10;
  const bytes = frames * PING4_FRAME;
  const screen = await pane.until(
    'ping finished with 5 replies',
    (s) => /^demo: ping localhost finished, 5 of 5 replies back; q quits/m.test(s) && shows(s, 'ICMP', `${exact(bytes)} B`, String(frames)),
    20_000,
  );
  assert.ok(shows(screen, 'Total', `${exact(bytes)} B`, String(frames)), screen);
  pane.keys('q');
  await expectCleanExit(pane, 'q in the demo');
});

test('dashboard: not on a dumb terminal or with --plain, which get the line output, nor with --json', async (t) => {
  if (!requireRoot(t)) return;
  for (const [env, args] of [
    ['TERM=dumb', []],
    ['', ['--plain']],
  ] as const) {
    const ns = NetNs.create(t, 'tui');
    const pane = new Pane(t, ns, ['--interval', '0.2', '--count', '2', ...args], { env });
    const screen = await pane.until('two sample lines', (s) => /sockex-exit=\d+/.test(s));
    const lines = screen.split('\n').filter((line) => line.startsWith('TCP '));
    assert.deepEqual(lines, ['TCP 0 UDP 0 ICMP 0 bytes', 'TCP 0 UDP 0 ICMP 0 bytes'], `${env || args.join(' ')}:\n${screen}`);
    assert.match(screen, /sockex-exit=0/);
    assert.doesNotMatch(screen, /PROTOCOL/);
  }
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2', '--count', '2', '--json']);
  const screen = await pane.until('two JSON samples', (s) => /sockex-exit=\d+/.test(s));
  assert.equal(screen.split('\n').filter((line) => line.startsWith('{"time":"')).length, 2, screen);
  assert.doesNotMatch(screen, /PROTOCOL/);
});

test('dashboard: an error as it starts leaves one readable line and a restored terminal', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  // The demo opens the dashboard after attaching, then starts ping: with no ping on PATH that fails.
  // (This cannot tell whether the message came before or after the dashboard closed: blessed writes
  // its first screen a little later, so here both orders read well. main.ts closes first regardless.)
  const pane = new Pane(t, ns, ['demo'], { via: ['env', 'PATH=/nonexistent'] });
  const screen = await pane.until('the shell after sockex', (s) => /sockex-exit=\d+/.test(s));
  const printed = screen.split('\n').filter((line) => line.trim() !== '');
  assert.equal(printed.length, 3, `one error line, then the shell's two:\n${screen}`);
  assert.match(printed[0] ?? '', /^sockex: the demo needs ping: install it /);
  assert.deepEqual(printed.slice(1), ['tty-restored', 'sockex-exit=2']);
  assert.equal(pane.flags().alternate, '0');
});

test("dashboard: blessed failing to set up the terminal (out of descriptors as it opens) is one line, exit 11, the terminal restored, nothing attached", async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  // As `sudo sockex` from a user's own terminal: the user it drops to owns the terminal, so Node
  // reopens it for stdin and holds one more descriptor. In this root-owned pane only root can, so stay root.
  const run = async (limit: number): Promise<string[]> => {
    const pane = new Pane(t, ns, ['--keep-privileges', '--interval', '0.2'], { via: ['prlimit', `--nofile=${limit}:${limit}`], width: 300 });
    const screen = await pane.until('the shell after sockex', (s) => /sockex-exit=\d+/.test(s));
    assertNoStackTrace(screen);
    const flags = pane.flags();
    assert.deepEqual([flags.alternate, flags.cursor, flags.keypad], ['0', '1', '0'], `main screen, cursor shown, keypad reset:\n${screen}`);
    return screen.split('\n').filter((line) => line.trim() !== '');
  };
  // Too few for the filter: refused before attaching, with how many it needs.
  const refused = await run(24);
  const needed = Number(/ needs about (\d+) /.exec(refused[0] ?? '')?.[1]);
  assert.ok(needed > 24, refused.join('\n'));
  // One more than that: the filter attaches, then blessed finds no descriptor for the terminfo it reads.
  const since = highestProgramId();
  const printed = await run(needed + 1);
  assert.equal(printed.length, 3, `one error line, then the shell's two:\n${printed.join('\n')}`);
  assert.match(printed[0] ?? '', /^sockex: out of file descriptors \(EMFILE at open\): .*; raise the hard limit: ulimit -Hn \d+ as root before sockex/);
  assert.deepEqual(printed.slice(1), ['tty-restored', 'sockex-exit=11']);
  await assertNoProgramLeft(since);
});

/** A namespace with lo and sx0 (a veth whose peer stays down), and a dashboard on both at this size. */
function twoInterfaceDashboard(t: TestContext, width: number, height: number): Pane {
  const ns = NetNs.create(t, 'tui');
  addQuietVeth(ns);
  return new Pane(t, ns, ['--interval', '0.2', 'lo', 'sx0'], { width, height });
}

test('dashboard at 80x24 with two interfaces: every protocol of both; the all-interfaces table folds first', async (t) => {
  if (!requireRoot(t)) return;
  const pane = twoInterfaceDashboard(t, 80, 24);
  const screen = await pane.until('both tables', (s) => row(section(s, 'sx0'), 'ICMP') !== undefined);
  for (const name of ['lo', 'sx0']) {
    for (const protocol of ['TCP', 'UDP', 'ICMP', 'Total']) assert.ok(row(section(screen, name), protocol), `${protocol} on ${name}:\n${screen}`);
  }
  assert.match(screen, /^━━ all interfaces \(totals only: every interface is above\) ━+$/m);
  assert.equal(screen.split('\n').filter((line) => line.startsWith('Total ')).length, 3, screen);
  assert.match(screen, /^sockex {2}lo, sx0 {2}elapsed \d+:\d\d:\d\d {2}interval 0\.2 s {3}LIVE/m);
  assert.match(screen, /^q quit {2}p pause {2}r reset {2}s sort:rate 3 s avg {2}u units {2}e exact {2}\? help *$/m);
  pane.keys('q');
  await expectCleanExit(pane, 'q at 80x24');
});

test('dashboard at 60x15 and 40x8 with two interfaces: LIVE and the names stay, whole words only', async (t) => {
  if (!requireRoot(t)) return;
  const pane = twoInterfaceDashboard(t, 60, 15);
  let screen = await pane.until('both tables', (s) => section(s, 'sx0') !== '' || /^━━ sx0 /m.test(s));
  let lines = screen.split('\n');
  assert.match(lines[0] ?? '', /^sockex {2}lo, sx0 {2}elapsed \d+:\d\d:\d\d {2}interval 0\.2 s {3}LIVE *$/);
  assert.ok(!screen.includes('all interfaces'), `the all-interfaces table goes before any row:\n${screen}`);
  assert.match(screen, /^━━ lo \(top \d of 3\) ━+$/m);
  assert.equal(lines[14]?.trimEnd(), 'q quit  p pause  r reset  s sort  u units  e exact  ? help');

  pane.tmux(['resize-window', '-t', 'term', '-x', '40', '-y', '8']);
  screen = await pane.until('the 40x8 layout', (s) => s.includes('1 interface hidden'));
  lines = screen.split('\n');
  assert.match(lines[0] ?? '', /^sockex {2}lo, sx0 {2}elapsed \d+:\d\d:\d\d {3}LIVE *$/);
  assert.deepEqual(
    lines.slice(1, 8).map((line) => line.trimEnd()),
    [
      '1 interface hidden',
      'PACKETS, PKT/S, HISTORY hidden',
      'PROTOCOL  DIR  TOTAL          RATE'.replace('  TOTAL', '       TOTAL'),
      '━━ lo (totals only) ━━━━━━━━━━━━━━━━━━━━',
      'Total     tx     0 B         0 B/s'.replace('     0 B', '          0 B'),
      '          rx     0 B         0 B/s'.replace('     0 B', '          0 B'),
      'q quit  p pause  r reset  s sort  ? help',
    ],
    screen,
  );
  pane.keys('q');
  await expectCleanExit(pane, 'q at 40x8');
});

test('dashboard: Ctrl-Z gives the shell a normal terminal, fg brings the dashboard back', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2'], { shell: true });
  await pane.until('the dashboard', (s) => s.includes(' LIVE') && row(s, 'UDP') !== undefined);
  assert.equal(pane.flags().alternate, '1');

  pane.keys('C-z');
  const stopped = await pane.until("the shell's job notice", (s) => /Stopped/.test(s) && /^\$ ?$/m.test(s));
  // The shell's screen as Ctrl-Z left it: after fg and q it must read the same, with nothing of the dashboard over it.
  const shellScreen = stopped.split('\n').filter((line) => line.trim() !== '');
  assert.doesNotMatch(stopped, /PROTOCOL/, 'the dashboard left the screen');
  assert.deepEqual([pane.flags().alternate, pane.flags().cursor], ['0', '1'], 'main screen, cursor shown');
  pane.type('if [ "$(stty -g)" = "$before" ]; then echo tty-cooked; else echo tty-raw; fi');
  await pane.until('the terminal modes', (s) => /^tty-(cooked|raw)$/m.test(s));
  assert.match(pane.capture(), /^tty-cooked$/m, 'raw mode off while stopped');

  // Counting went on in the kernel: a datagram sent while stopped shows after fg.
  ns.tool('udp', ['4', '100']);
  pane.type('fg');
  const screen = await pane.until('the dashboard again, with the datagram', (s) => s.includes(' LIVE') && row(s, 'UDP')?.tx.packets === '1');
  assert.doesNotMatch(screen, /Stopped|tty-cooked/, 'the whole screen was repainted');
  assert.equal(pane.flags().alternate, '1');

  pane.keys('q');
  pane.type('echo sockex-exit=$?; if [ "$(stty -g)" = "$before" ]; then echo tty-restored; else echo tty-changed; fi');
  const after = await pane.until('the shell after sockex', (s) => /^tty-(restored|changed)$/m.test(s));
  assert.match(after, /sockex-exit=0\b/);
  assert.match(after, /^tty-restored$/m, 'terminal modes restored after suspend, fg and q');
  const afterLines = after.split('\n').filter((line) => line.trim() !== '');
  assert.deepEqual(afterLines.slice(0, shellScreen.length - 1), shellScreen.slice(0, -1), `the shell's lines as before:\n${after}`);
  assert.doesNotMatch(after, /LIVE|PROTOCOL|━|pps/, `no dashboard fragments:\n${after}`);
});

/** Every table line of a screen as [name, direction, bytes, packets], names carried down to their rx line. */
function tableLines(screen: string): { name: string; direction: string; bytes: string; packets: string }[] {
  const out: { name: string; direction: string; bytes: string; packets: string }[] = [];
  let name = '';
  for (const line of screen.split('\n')) {
    const m = /^(.*?)\s+(tx|rx)\s{2,}(\S+ \S+)\s{2,}(\S+)/.exec(line);
    if (!m) continue;
    if (m[2] === 'tx') name = (m[1] ?? '').trim();
    out.push({ name, direction: m[2] ?? '', bytes: m[3] ?? '', packets: m[4] ?? '' });
  }
  return out;
}

const bytesOf = (cell: string): number => Number(cell.replace(/,/g, '').replace(/ B$/, ''));

test('dashboard --by port at 80x24: b shows the ports, the rows that fit plus other add up to the exact total', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tuiby');
  const pane = new Pane(t, ns, ['--interval', '0.2', '--by', 'port'], { width: 80, height: 24 });
  await pane.until('the dashboard with a view key', (s) => s.includes(' LIVE') && /^PROTOCOL\s+DIR/m.test(s) && s.includes('  b view'));
  pane.keys('e');
  pane.keys('b');
  await pane.until('the ports view', (s) => /^PORT\s+DIR/m.test(s));
  // More flows than 80x24 has rows for: the rest is one "other" row.
  const flows = Array.from({ length: 12 }, (_, i) => ({ port: 6400 + i, size: 100 + i }));
  for (const flow of flows) ns.tool('udp', ['4', String(flow.size), String(flow.port), String(46400 + flow.port - 6400)]);
  const total = flows.reduce((sum, f) => sum + udp4Frame(f.size), 0);
  const screen = await pane.until(`a UDP total of ${total} B each way`, (s) => shows(s, 'Total', `${exact(total)} B`, String(flows.length)));
  assert.equal(screen.split('\n').length, 24 + 1, 'an 80x24 screen');
  const lines = tableLines(screen).filter((l) => l.name !== 'Total');
  const portRows = lines.filter((l) => /^UDP \d+$/.test(l.name));
  assert.ok(portRows.length >= 8, `several port rows fit (${portRows.length / 2})`);
  // Sorted by rate: the largest flows were sent last, so they lead however much of them the 3 s window still holds; each exact.
  for (const l of portRows) {
    const flow = flows.find((f) => `UDP ${f.port}` === l.name);
    assert.ok(flow, l.name);
    assert.deepEqual([bytesOf(l.bytes), l.packets], [udp4Frame(flow.size), '1'], `${l.name} ${l.direction}`);
  }
  assert.equal(portRows[0]?.name, `UDP ${flows[flows.length - 1]?.port}`, 'the largest first');
  assert.ok(lines.some((l) => l.name === 'other'), 'an other row');
  for (const direction of ['tx', 'rx']) {
    assert.equal(lines.filter((l) => l.direction === direction).reduce((sum, l) => sum + bytesOf(l.bytes), 0), total, `${direction} rows add up to the total`);
  }
  // The dashboard's folding holds in a breakdown view: rows before the blank line (22 lines
  // between header and footer: heading, title, 8 ports, other, total), and in the footer the
  // settings go before the view key does, the sort's last.
  const screenLines = screen.split('\n');
  assert.equal(portRows.length, 2 * 8, 'eight port rows, then other');
  assert.match(screenLines[1] ?? '', /^PORT\s+DIR/, 'no blank line while rows are folded into other');
  assert.equal(screenLines[23]?.trimEnd(), 'q quit  p pause  r reset  s sort:rate  u units  e exact  b view:ports  ? help');
  // At 40x8 the one row left is other (all of it), the narrow note goes, the footer keeps b.
  pane.tmux(['resize-window', '-t', 'term', '-x', '40', '-y', '8']);
  // Once the rates have fallen back to zero after the traffic.
  const cells = (name: string, dir: string): string => `${name.padEnd(8)}  ${dir.padEnd(3)}  ${`${exact(total)} B`.padStart(10)}  ${'0 B/s'.padStart(12)}`;
  const expected = [
    'PORT      DIR       TOTAL          RATE',
    `━━ ports on lo ${'━'.repeat(25)}`,
    cells('other', 'tx'),
    cells('', 'rx'),
    cells('Total', 'tx'),
    cells('', 'rx'),
    'q quit  p pause  r reset  b view  ? help',
  ];
  const below = (s: string): string[] => s.split('\n').slice(1, 8).map((l) => l.trimEnd());
  const small = await pane.until('the 40x8 ports view', (s) => below(s).join('\n') === expected.join('\n'));
  assert.match(small.split('\n')[0] ?? '', /^sockex {2}lo {2}elapsed \d+:\d\d:\d\d {3}LIVE *$/);
  pane.tmux(['resize-window', '-t', 'term', '-x', '80', '-y', '24']);
  // b again: back to the protocols, where UDP is the same total.
  pane.keys('b');
  await pane.until('the protocols again', (s) => /^PROTOCOL\s+DIR/m.test(s) && shows(s, 'UDP', `${exact(total)} B`, String(flows.length)));
  pane.keys('q');
  await expectCleanExit(pane, 'q in a breakdown run');
});

/** The first row of the table under this title, as its name cell. */
function firstRow(screen: string, title: string): string {
  const lines = screen.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`━━ ${title} `));
  return (lines[at + 1] ?? '').split(/\s{2,}/)[0] ?? '';
}

/** The RATE cell of a row's tx line. */
function rateOf(screen: string, name: string): string | undefined {
  const line = screen.split('\n').find((l) => l.startsWith(`${name} `) && /^\S+\s+tx\s/.test(l));
  return line?.trim().split(/\s{2,}/)[4];
}

test('dashboard: sorted by the rate of the last 3 s by default; a busy row leads, idle rows go by bytes', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tui');
  const pane = new Pane(t, ns, ['--interval', '0.2']);
  await pane.until('the dashboard', (s) => s.includes(' LIVE') && row(s, 'UDP') !== undefined);
  assert.match(pane.capture(), /s sort:rate 3 s avg/, 'the footer says the sort and its window');
  pane.keys('e');
  // UDP first: the most bytes. Once its 3 s have passed, its rate is zero and it leads by bytes.
  ns.tool('udp', ['4', '1400,1400,1400']);
  const udpBytes = 3 * udp4Frame(1400);
  await pane.until(`UDP ${udpBytes} B, then its rate back at zero`, (s) => shows(s, 'UDP', `${exact(udpBytes)} B`, '3') && rateOf(s, 'UDP') === '0 B/s' && firstRow(s, 'lo') === 'UDP');
  // A short TCP connection: fewer bytes than UDP, but it is what is busy now.
  ns.tool('tcp', ['4', '100']);
  let screen = await pane.until('TCP on top while it is recent', (s) => firstRow(s, 'lo') === 'TCP' && rateOf(s, 'TCP') !== '0 B/s', 5_000);
  const tcpBytes = bytesOf(row(screen, 'TCP')?.tx.bytes ?? '');
  assert.ok(tcpBytes > 0 && tcpBytes < udpBytes, `TCP ${tcpBytes} B, fewer than UDP's ${udpBytes}:\n${screen}`);
  // Three seconds on, TCP is idle too and the order goes by bytes again: UDP, TCP, ICMP.
  screen = await pane.until('UDP back on top', (s) => rateOf(s, 'TCP') === '0 B/s' && firstRow(s, 'lo') === 'UDP');
  assert.deepEqual(tableLines(screen).filter((l) => l.direction === 'tx').map((l) => l.name), ['UDP', 'TCP', 'ICMP', 'Total']);
  pane.keys('s');
  await pane.until('sorted by bytes', (s) => s.includes('s sort:bytes') && firstRow(s, 'lo') === 'UDP');
  pane.keys('q');
  await expectCleanExit(pane, 'q after sorting');
});

test('dashboard --by port: rows idle for 10 s fold into other, the title says how many, the table still adds up', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'tuiby');
  const pane = new Pane(t, ns, ['--interval', '0.2', '--by', 'port'], { width: 100, height: 40 });
  await pane.until('the dashboard with a view key', (s) => s.includes(' LIVE') && s.includes('  b view'));
  pane.keys('e');
  pane.keys('b');
  await pane.until('the ports view', (s) => /^PORT\s+DIR\s+TOTAL\s+PACKETS\s+RATE\s+PKT\/S\s+HISTORY/m.test(s));
  // A small port scan: one datagram to each of 12 ports.
  const ports = Array.from({ length: 12 }, (_, i) => 6500 + i);
  for (const port of ports) ns.tool('udp', ['4', '2', String(port), String(46500 + port - 6500)]);
  const total = ports.length * udp4Frame(2);
  const scanned = (s: string): number => tableLines(s).filter((l) => /^UDP 65\d\d$/.test(l.name)).length;
  const recent = await pane.until('every scanned port', (s) => shows(s, 'Total', `${exact(total)} B`, String(ports.length)) && scanned(s) === 2 * ports.length);
  // Breakdown rows have a history: each port's one datagram is a bar.
  assert.equal(recent.split('\n').filter((l) => /^UDP 65\d\d\s+tx\s.*pps {2}.*[▁-█]/.test(l)).length, ports.length, recent);
  const folded = await pane.until('the idle rows in other', (s) => /^━━ ports on lo \(12 idle 10 s in other\) ━+$/m.test(s), 20_000);
  assert.deepEqual(
    tableLines(folded).map((l) => [l.name, l.direction, l.bytes, l.packets]),
    [
      ['other', 'tx', `${exact(total)} B`, '12'],
      ['other', 'rx', `${exact(total)} B`, '12'],
      ['Total', 'tx', `${exact(total)} B`, '12'],
      ['Total', 'rx', `${exact(total)} B`, '12'],
    ],
    folded,
  );
  // One more datagram to a scanned port: its row is back at once.
  ns.tool('udp', ['4', '2', '6500', '46500']);
  await pane.until('port 6500 back', (s) => tableLines(s).some((l) => l.name === 'UDP 6500' && l.direction === 'tx' && l.packets === '2'));
  pane.keys('q');
  await expectCleanExit(pane, 'q after rows folded');
});
