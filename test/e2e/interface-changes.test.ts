/**
 * Interfaces as the kernel of sockex's own network namespace knows them,
 * while they change under a running sockex: entered with nsenter (the host's
 * /sys stays mounted), deleted and created again, swapped names, moved to
 * another namespace and back, down and up. Counts exact, labels right at the
 * first sample that holds the new traffic, no counter going backwards.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertNoStackTrace, killOnEnd } from './cli-run.js';
import { NetNs, RunningSockex, requireRoot, startSockex, waitFor, CLI, type JsonCounter, type JsonSample } from './harness.js';

/**
 * Namespace a (sockex runs here) and b; IPv6 off, so the kernel sends
 * nothing of its own and only the test's frames cross the veths.
 */
function namespaces(t: TestContext): { a: NetNs; b: NetNs } {
  const a = NetNs.create(t, 'a');
  const b = NetNs.create(t, 'b');
  for (const ns of [a, b]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  return { a, b };
}

/** A veth pair: `name` in a, `peer` in b, both up unless told otherwise. */
function veth(a: NetNs, b: NetNs, name: string, peer: string, up = true): void {
  a.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer, 'netns', b.name]);
  if (!up) return;
  a.exec('ip', ['link', 'set', name, 'up']);
  b.exec('ip', ['link', 'set', peer, 'up']);
}

function ifindex(ns: NetNs, name: string): number {
  return Number(ns.exec('cat', [`/sys/class/net/${name}/ifindex`]).trim());
}

/** Frames sent on an interface of a: COUNT frames of SIZE bytes with EtherType TYPE. */
function send(a: NetNs, name: string, type: number, count: number, size: number): void {
  a.tool('raw-frames', [name, `0x${type.toString(16)}`, String(count), String(size)]);
}

/** "interface#ifindex/direction/family/protocol bytes packets" for every counter but lo's. */
function lines(sample: JsonSample): string[] {
  return sample.counters
    .filter((c) => c.interface !== 'lo')
    .map((c) => `${c.interface}#${c.ifindex}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`)
    .sort();
}

/** The first sample that holds all these counter lines; fails after 10 s. */
async function sampleWith(sockex: RunningSockex, ...wanted: string[]): Promise<JsonSample> {
  let found: JsonSample | undefined;
  await waitFor(
    () => (found = sockex.samples().find((s) => wanted.every((line) => lines(s).includes(line)))) !== undefined,
    10_000,
    () => `no sample holds ${wanted.join(', ')}; last: ${lines(sockex.samples().at(-1) ?? { time: '', elapsed: 0, interval: 0, counters: [] }).join(', ')}; stderr: ${sockex.stderr}`,
  );
  return found as JsonSample;
}

/** No counter goes backwards under one (interface, ifindex, direction, family, protocol) across all samples. */
function assertNeverBackwards(samples: JsonSample[]): void {
  const last = new Map<string, JsonCounter>();
  for (const sample of samples) {
    for (const c of sample.counters) {
      const key = `${c.interface}#${c.ifindex}/${c.direction}/${c.family}/${c.protocol}`;
      const before = last.get(key);
      if (before) assert.ok(c.bytes >= before.bytes && c.packets >= before.packets, `${key} went from ${before.bytes}/${before.packets} to ${c.bytes}/${c.packets}`);
      last.set(key, c);
    }
  }
}

/** sockex's stderr lines about one interface. */
function messagesAbout(sockex: RunningSockex, name: string): string[] {
  return sockex.stderr.split('\n').filter((l) => l.startsWith(`sockex: interface ${name} `));
}

const LOST = 'sockex: interface va disappeared; its counts stay at their last values, counting goes on';
const DOWN = 'sockex: interface va is down: it sees no frames until it is up';

/**
 * The messages from 'disappeared' on. The kernel takes an interface down, waits
 * for an RCU grace period, then unbinds the socket: a sample in between sees it
 * down first, and only that may come before.
 */
function fromLost(said: string[]): string[] {
  const at = said.indexOf(LOST);
  assert.ok(at === 0 || (at === 1 && said[0] === DOWN), said.join('\n'));
  return said.slice(at);
}

test('nsenter without a /sys remount: -i NAME and -i any see the namespace\'s interfaces, not the host\'s', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'sxva', 'sxvb');
  const index = ifindex(a, 'sxva');

  // The error lists the namespace's interfaces.
  const refused = new RunningSockex(a.spawn(process.execPath, [CLI, '-i', 'nosuch0', '--count', '1'], true));
  assert.equal(await refused.exit(), ExitCode.interface);
  assert.equal(refused.stderr, 'sockex: no interface named "nosuch0"; interfaces here: lo, sxva (or "any" for all)\n');

  const one = killOnEnd(t, await startSockex(a, ['-i', 'sxva', '--json', '--interval', '0.2'], true));
  const any = killOnEnd(t, await startSockex(a, ['-i', 'any', '--json', '--interval', '0.2'], true));
  send(a, 'sxva', 0x88b5, 3, 100);
  b.tool('raw-frames', ['sxvb', '0x88b6', '2', '80']);
  const expected = [`sxva#${index}/rx/other/${0x88b6} 160 2`, `sxva#${index}/tx/other/${0x88b5} 300 3`];
  for (const sockex of [one, any]) {
    await waitFor(() => JSON.stringify(lines(sockex.samples().at(-1) ?? { time: '', elapsed: 0, interval: 0, counters: [] })) === JSON.stringify(expected), 10_000, () => sockex.stdout.split('\n').slice(-2).join('\n'));
    assert.equal(await sockex.stop(), 0);
    assert.deepEqual(lines(sockex.lastSample()), expected);
    assertNoStackTrace(sockex.stderr);
  }
});

test('-i any: deleted and created again, then two names swapped: right labels at once, ifindex tells them apart, nothing goes backwards', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'va', 'vb');
  const first = ifindex(a, 'va');
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'any', '--json', '--interval', '0.3']));

  send(a, 'va', 0x88b5, 3, 100);
  await sampleWith(sockex, `va#${first}/tx/other/${0x88b5} 300 3`);

  // Deleted and created again under the same name, between two samples.
  a.exec('ip', ['link', 'del', 'va']);
  veth(a, b, 'va', 'vb');
  const second = ifindex(a, 'va');
  assert.notEqual(second, first);
  send(a, 'va', 0x88b5, 2, 100);
  const recreated = await sampleWith(sockex, `va#${second}/tx/other/${0x88b5} 200 2`);
  assert.deepEqual(lines(recreated), [`va#${first}/tx/other/${0x88b5} 300 3`, `va#${second}/tx/other/${0x88b5} 200 2`]);

  // A second pair, then va and vc swap names (a rename needs the link down).
  veth(a, b, 'vc', 'vd');
  const third = ifindex(a, 'vc');
  send(a, 'vc', 0x88b7, 4, 90);
  await sampleWith(sockex, `vc#${third}/tx/other/${0x88b7} 360 4`);
  for (const name of ['va', 'vc']) a.exec('ip', ['link', 'set', name, 'down']);
  a.exec('ip', ['link', 'set', 'va', 'name', 'swap']);
  a.exec('ip', ['link', 'set', 'vc', 'name', 'va']);
  a.exec('ip', ['link', 'set', 'swap', 'name', 'vc']);
  for (const name of ['va', 'vc']) a.exec('ip', ['link', 'set', name, 'up']);
  assert.deepEqual([ifindex(a, 'va'), ifindex(a, 'vc')], [third, second]);
  send(a, 'va', 0x88b8, 1, 70);
  send(a, 'vc', 0x88b8, 2, 70);
  // The first sample with the frames sent after the swap was taken after it: its labels must be the new ones.
  const swapped = await sampleWith(sockex, `va#${third}/tx/other/${0x88b8} 70 1`, `vc#${second}/tx/other/${0x88b8} 140 2`);
  assert.deepEqual(lines(swapped), [
    `va#${first}/tx/other/${0x88b5} 300 3`,
    `va#${third}/tx/other/${0x88b7} 360 4`,
    `va#${third}/tx/other/${0x88b8} 70 1`,
    `vc#${second}/tx/other/${0x88b5} 200 2`,
    `vc#${second}/tx/other/${0x88b8} 140 2`,
  ]);

  // Every sample with frames from after the swap (taken after it) labels each counter rightly.
  const keys = new Set(lines(swapped).map((line) => line.split(' ')[0]));
  for (const sample of sockex.samples().filter((s) => lines(s).some((line) => line.includes(`/${0x88b8} `)))) {
    for (const line of lines(sample)) assert.ok(keys.has(line.split(' ')[0]), `${line} in ${lines(sample).join(', ')}`);
  }

  assert.equal(await sockex.stop(), 0);
  assertNeverBackwards(sockex.samples());
  assertNoStackTrace(sockex.stderr);
});

test('-i NAME: the interface moved to another namespace and back is noticed, bound again, and counted exactly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  const elsewhere = NetNs.create(t, 'c');
  veth(a, b, 'va', 'vb');
  // lo keeps the run alive however long va is away (with va alone, sockex would exit 4 as soon as it noticed).
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'va', '-i', 'lo', '--json', '--interval', '0.2']));
  send(a, 'va', 0x88b5, 3, 100);
  const before = ifindex(a, 'va');
  await sampleWith(sockex, `va#${before}/tx/other/${0x88b5} 300 3`);

  a.exec('ip', ['link', 'set', 'va', 'netns', elsewhere.name]);
  elsewhere.exec('ip', ['link', 'set', 'va', 'netns', a.name]);
  await waitFor(() => sockex.stderr.includes('counting on it again'), 10_000, () => `no rebind: ${sockex.stderr}`);
  // It comes back down (a namespace move closes it): bring it up and count.
  a.exec('ip', ['link', 'set', 'va', 'up']);
  await waitFor(() => sockex.stderr.includes('sockex: interface va is up'), 10_000, () => `not up: ${sockex.stderr}`);
  send(a, 'va', 0x88b6, 4, 90);
  b.tool('raw-frames', ['vb', '0x88b7', '2', '80']);
  const after = await sampleWith(sockex, `va#${before}/rx/other/${0x88b7} 160 2`);
  assert.deepEqual(lines(after), [`va#${before}/rx/other/${0x88b7} 160 2`, `va#${before}/tx/other/${0x88b5} 300 3`, `va#${before}/tx/other/${0x88b6} 360 4`]);
  assert.equal(await sockex.stop(), 0);

  const said = fromLost(messagesAbout(sockex, 'va'));
  assert.equal(said.length, 4, said.join('\n'));
  assert.equal(said[0], LOST);
  assert.match(said[1] ?? '', new RegExp(`^sockex: interface va was gone for up to \\d+\\.\\d s; counting on it again \\(ifindex ${ifindex(a, 'va')}\\)$`));
  assert.equal(said[2], DOWN);
  assert.equal(said[3], 'sockex: interface va is up');
  assertNoStackTrace(sockex.stderr);
});

test('-i NAME: deleted and created again, the same socket counts on the new one, under the same counters', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'va', 'vb');
  const first = ifindex(a, 'va');
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'va', '-i', 'lo', '--json', '--interval', '0.2']));
  send(a, 'va', 0x88b5, 3, 100);
  await sampleWith(sockex, `va#${first}/tx/other/${0x88b5} 300 3`);

  a.exec('ip', ['link', 'del', 'va']);
  veth(a, b, 'va', 'vb');
  const second = ifindex(a, 'va');
  await waitFor(() => sockex.stderr.includes(`counting on it again (ifindex ${second})`), 10_000, () => `no rebind: ${sockex.stderr}`);
  send(a, 'va', 0x88b5, 2, 100);
  // The counters keep the ifindex va had at the start: one series that goes on.
  const after = await sampleWith(sockex, `va#${first}/tx/other/${0x88b5} 500 5`);
  assert.deepEqual(lines(after), [`va#${first}/tx/other/${0x88b5} 500 5`]);
  assert.equal(await sockex.stop(), 0);
  assertNeverBackwards(sockex.samples());
  assert.equal(fromLost(messagesAbout(sockex, 'va'))[0], LOST);
});

test('-i NAME: down at the start, no carrier, up, down again: each said once', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'va', 'vb', false);
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'va', '--json', '--interval', '0.1']));
  const expect = async (line: string): Promise<void> => {
    await waitFor(() => messagesAbout(sockex, 'va').at(-1) === line, 10_000, () => `expected "${line}": ${sockex.stderr}`);
  };
  await expect(DOWN);
  a.exec('ip', ['link', 'set', 'va', 'up']);
  await expect('sockex: interface va has no carrier: it sees no frames until its link is up');
  b.exec('ip', ['link', 'set', 'vb', 'up']);
  await expect('sockex: interface va is up');
  a.exec('ip', ['link', 'set', 'va', 'down']);
  await expect(DOWN);
  assert.equal(await sockex.stop(), 0);
  assert.equal(messagesAbout(sockex, 'va').length, 4, sockex.stderr);
});

test('-i NAME, the only one: deleted, sockex waits ("waiting for va"), then created again and counted exactly', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const { a, b } = namespaces(t);
  veth(a, b, 'va', 'vb');
  const first = ifindex(a, 'va');
  const sockex = killOnEnd(t, await startSockex(a, ['-i', 'va', '--json', '--interval', '0.2']));
  send(a, 'va', 0x88b5, 3, 100);
  await sampleWith(sockex, `va#${first}/tx/other/${0x88b5} 300 3`);

  a.exec('ip', ['link', 'del', 'va']);
  const waiting = 'sockex: interface va disappeared; its counts stay at their last values, waiting for va';
  await waitFor(() => sockex.stderr.includes(waiting), 10_000, () => `not waiting: ${sockex.stderr}`);
  // Still sampling while it waits.
  const during = sockex.samples().length;
  await waitFor(() => sockex.samples().length > during + 2, 10_000, () => `no samples while waiting: ${sockex.stderr}`);
  assert.equal(sockex.child.exitCode, null, 'still running');

  veth(a, b, 'va', 'vb');
  await waitFor(() => sockex.stderr.includes(`counting on it again (ifindex ${ifindex(a, 'va')})`), 10_000, () => `no rebind: ${sockex.stderr}`);
  send(a, 'va', 0x88b5, 2, 100);
  b.tool('raw-frames', ['vb', '0x88b6', '4', '80']);
  const after = await sampleWith(sockex, `va#${first}/tx/other/${0x88b5} 500 5`, `va#${first}/rx/other/${0x88b6} 320 4`);
  assert.deepEqual(lines(after), [`va#${first}/rx/other/${0x88b6} 320 4`, `va#${first}/tx/other/${0x88b5} 500 5`]);
  assert.equal(await sockex.stop(), 0);
  const said = fromLost(messagesAbout(sockex, 'va').map((line) => (line === waiting ? LOST : line)));
  assert.equal(said.filter((line) => line === LOST).length, 1, sockex.stderr);
  assert.equal(sockex.stderr.split('\n').filter((line) => line === waiting).length, 1, sockex.stderr);
  assertNeverBackwards(sockex.samples());
  assertNoStackTrace(sockex.stderr);
});
