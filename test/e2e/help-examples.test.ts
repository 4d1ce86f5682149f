/**
 * Every example of `sockex --help` (EXAMPLES in src/cli/help-text.ts), typed
 * as it is printed and run by bash in a fresh network namespace, `sockex` on
 * PATH being the bundled bin, does what its comment says, to the byte. A
 * dashboard example runs in a tmux terminal, as a person would see it. An
 * example without a case here fails the first test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXAMPLES } from '../../src/cli/help-text.js';
import { ExitCode } from '../../src/errors.js';
import { sockexOnPath } from './cli-run.js';
import { PING4_FRAME, udp4Frame } from './frames.js';
import { NetNs, RunningSockex, TOOLS, requireRoot, vethPair, waitFor } from './harness.js';
import { httpGet } from './http-get.js';
import { TmuxTerminal } from './tmux.js';

/** The example as a script: bash runs it as typed, then says how it ended; SIGTERM is for sockex, bash waits for it. */
function exampleScript(t: TestContext, command: string): string {
  const bin = sockexOnPath(t);
  const script = join(bin, 'example.sh');
  writeFileSync(script, ['trap true TERM', `export PATH="${bin}:$PATH" LANG=C.UTF-8`, command, 'echo "example-exit=$?" >&2', ''].join('\n'));
  return script;
}

/** The example run in the namespace with its output piped, in a process group of its own (stopped as one). */
function runPiped(t: TestContext, ns: NetNs, command: string): { run: RunningSockex; stop(): void } {
  const child = spawn('ip', ['netns', 'exec', ns.name, 'bash', exampleScript(t, command)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const group = -(child.pid ?? 0);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(group, 'SIGKILL');
  });
  return { run: new RunningSockex(child), stop: () => process.kill(group, 'SIGTERM') };
}

/** A dashboard row's TOTAL and PACKETS, tx then rx: "196 B 2 / 196 B 2"; undefined while it is not on screen. */
function counts(screen: string, label: string): string | undefined {
  const lines = screen.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`${label} `) && /\stx\s/.test(line));
  if (at < 0) return undefined;
  const tx = (lines[at] ?? '').trim().split(/\s{2,}/);
  const rx = (lines[at + 1] ?? '').trim().split(/\s{2,}/);
  return `${tx[tx.indexOf('tx') + 1]} ${tx[tx.indexOf('tx') + 2]} / ${rx[1]} ${rx[2]}`;
}

/** a and b joined by a veth pair whose end in a is called eth0 (192.0.2.1), as the examples name it. */
function eth0Pair(t: TestContext, label: string): { a: NetNs; b: NetNs } {
  const pair = vethPair(t, label);
  for (const step of [['down'], ['name', 'eth0'], ['up']]) pair.a.exec('ip', ['link', 'set', step[0] === 'up' ? 'eth0' : 'veth-a', ...step]);
  return pair;
}

/** The example's dashboard is up, and quits with q and exit 0. */
async function quits(terminal: TmuxTerminal): Promise<void> {
  terminal.keys('q');
  await terminal.until('example-exit=0', (screen) => screen.includes(`example-exit=${ExitCode.ok}`));
}

const CASES: Readonly<Record<string, (t: TestContext, command: string) => Promise<void>>> = {
  // live dashboard of eth0
  'sockex eth0': async (t, command) => {
    const { a } = eth0Pair(t, 'exdash');
    const terminal = new TmuxTerminal(t, `ip netns exec ${a.name} bash ${exampleScript(t, command)}; exec sleep 600`);
    await terminal.until('the dashboard of eth0', (screen) => /^sockex {2}eth0 /m.test(screen));
    a.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.2', '192.0.2.2']);
    await terminal.until('two pings sent and answered on eth0', (screen) => counts(screen, 'ICMP') === `${2 * PING4_FRAME} B 2 / ${2 * PING4_FRAME} B 2`);
    await quits(terminal);
  },

  // every interface as JSON, into jq
  'sockex -i any -c 1 --json | jq .counters': async (t, command) => {
    const ns = NetNs.create(t, 'exjq');
    const { run } = runPiped(t, ns, command);
    await run.attached();
    ns.exec('ping', ['-4', '-q', '-c', '1', '127.0.0.1']);
    assert.equal(await run.exit(), 0, run.stderr);
    assert.match(run.stderr, /example-exit=0\n$/);
    // -c 1 is one interval: the ping's request and reply, each sent and received on lo, and their rates.
    const counters = JSON.parse(run.stdout) as { interface: string; direction: string; name: string; bytes: number; packets: number; bytesPerSecond: number }[];
    assert.deepEqual(
      counters.map((c) => `${c.interface} ${c.direction} ${c.name} ${c.bytes} ${c.packets}`),
      [`lo tx ICMP ${2 * PING4_FRAME} 2`, `lo rx ICMP ${2 * PING4_FRAME} 2`],
    );
    for (const c of counters) assert.ok(c.bytesPerSecond > 0, JSON.stringify(c));
  },

  // by service port and peer address
  'sockex eth0 --by port,host': async (t, command) => {
    const { a, b } = eth0Pair(t, 'exby');
    const server = new RunningSockex(b.spawn(process.execPath, [`${TOOLS}udp-echo.js`, 'serve', '192.0.2.2', '53', '2']));
    t.after(() => server.child.kill());
    await waitFor(() => server.stdout.includes('listening'), 10_000, () => `echo server did not start: ${server.stderr}`);
    const terminal = new TmuxTerminal(t, `ip netns exec ${a.name} bash ${exampleScript(t, command)}; exec sleep 600`);
    await terminal.until('the dashboard of eth0', (screen) => /^sockex {2}eth0 /m.test(screen));
    // Two 58-byte queries to port 53 and their echoes: 100-byte frames.
    a.tool('udp-echo', ['call', '192.0.2.2', '53', '40053', '58,58']);
    const udp = `${2 * udp4Frame(58)} B 2 / ${2 * udp4Frame(58)} B 2`;
    await terminal.until('the UDP of two queries and answers', (screen) => counts(screen, 'UDP') === udp);
    terminal.keys('b');
    await terminal.until('port 53 in the ports view', (screen) => screen.includes('ports on eth0') && counts(screen, 'UDP 53') === udp);
    terminal.keys('b');
    await terminal.until('the peer in the hosts view', (screen) => screen.includes('hosts on eth0') && counts(screen, '192.0.2.2') === udp);
    terminal.keys('b');
    await terminal.until('the peer and port in the conversations view', (screen) =>
      screen.includes('conversations on eth0') && /^192\.0\.2\.2 +(UDP )?53 /m.test(screen) && counts(screen, '192.0.2.2') === udp,
    );
    await quits(terminal);
  },

  // Prometheus service (examples/)
  'sockex -q -i any --metrics 9469': async (t, command) => {
    const ns = NetNs.create(t, 'exprom');
    const { run, stop } = runPiped(t, ns, command);
    const url = 'http://127.0.0.1:9469/metrics';
    await waitFor(() => httpGet(ns, url) !== undefined, 15_000, () => `no metrics served: ${run.stderr}`);
    ns.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.2', '127.0.0.1']);
    // Each of the two requests and two replies is sent and received on lo.
    const icmp = (metric: string, direction: string, value: number): string =>
      `${metric}{device="lo",direction="${direction}",family="ipv4",protocol="icmp"} ${value}`;
    const wanted = ['transmit', 'receive'].flatMap((d) => [icmp('sockex_bytes_total', d, 4 * PING4_FRAME), icmp('sockex_packets_total', d, 4)]);
    let body = '';
    await waitFor(() => wanted.every((line) => (body = httpGet(ns, url) ?? '').split('\n').includes(line)), 15_000, () => `metrics never showed the pings:\n${body}`);
    stop();
    assert.equal(await run.exit(), 0, run.stderr);
    // A service: nothing on stdout, and --quiet says nothing on stderr either.
    assert.deepEqual([run.stdout, run.stderr], ['', 'example-exit=0\n']);
  },

  // ping localhost, counting on lo
  'sockex demo': async (t, command) => {
    const ns = NetNs.create(t, 'exdemo');
    const terminal = new TmuxTerminal(t, `ip netns exec ${ns.name} bash ${exampleScript(t, command)}; exec sleep 600`);
    // ping -c5 localhost: five requests and five replies, each sent and received on lo.
    const icmp = `${10 * PING4_FRAME} B 10 / ${10 * PING4_FRAME} B 10`;
    await terminal.until("the demo's five pings on lo", (screen) => /^sockex {2}lo /m.test(screen) && counts(screen, 'ICMP') === icmp);
    await quits(terminal);
  },
};

test('each example of --help has its case here', () => {
  assert.deepEqual(EXAMPLES.map((e) => e.command).sort(), Object.keys(CASES).sort());
});

for (const example of EXAMPLES) {
  test(`--help example: ${example.command}  # ${example.what}`, { timeout: 60_000 }, async (t) => {
    if (!requireRoot(t)) return;
    const run = CASES[example.command];
    assert.ok(run, `no case for ${example.command}`);
    await run(t, example.command);
  });
}
