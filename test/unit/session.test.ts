/**
 * Every way a session ends, with fakes for everything it is handed: counter
 * sources, timers, renderers, signals, the reader, stderr and the flush.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, SockexError } from '../../src/errors.js';
import { counterRead, type CounterRead } from '../../src/model/counter-read.js';
import type { InterfaceEvent } from '../../src/model/interface-events.js';
import { Sampler } from '../../src/model/sampler.js';
import type { DemoStatus, RunStatus } from '../../src/model/run-status.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { Renderer } from '../../src/render/renderer.js';
import type { CounterSource } from '../../src/session/counter-source.js';
import { Releases } from '../../src/session/releases.js';
import { startSession, type Demo, type SessionEnd, type SessionInputs, type Subscribe } from '../../src/session/session.js';
import { fakeTimers } from './fake-timers.js';

/** Everything a session touches, recorded in one list, in the order it happened. */
function fakeRun(interfaces: string[] = ['a'], overrides: Partial<SessionInputs> = {}) {
  const log: string[] = [];
  const statuses: RunStatus[] = [];
  const snapshots: Snapshot[] = [];
  const events = new Map<string, InterfaceEvent[]>();
  let failRead: Error | undefined;
  let reads = 0;
  const releases = new Releases();
  releases.hold({ close: () => log.push('close metrics') });
  const sources: CounterSource[] = interfaces.map((name) =>
    releases.hold({
      interface: name,
      // One 100-byte datagram more at every read.
      read(): CounterRead {
        if (failRead) throw failRead;
        reads += 1;
        return counterRead([{ interface: name, ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, bytes: 100n * BigInt(reads), packets: BigInt(reads) }]);
      },
      poll: () => events.get(name)?.splice(0) ?? [],
      close: () => log.push(`close ${name}`),
    }),
  );
  const view: Renderer = releases.hold({
    render(snapshot, status) {
      log.push(`render #${snapshot.sequence}`);
      statuses.push(status);
      snapshots.push(snapshot);
    },
    close: () => log.push('close view'),
  });
  const t = fakeTimers();
  const signal = subscription();
  const readerGone = subscription();
  let deliver: () => void = () => undefined;
  const inputs: SessionInputs = {
    sources,
    // The sampler's clock is the timers' (milliseconds), so rates come out exact.
    sampler: new Sampler(interfaces, { monotonic: () => t.timers.now(), wall: () => t.timers.now() }),
    renderers: [view],
    releases,
    timers: t.timers,
    intervalSeconds: 1,
    count: undefined,
    interactive: false,
    metricsUrl: 'http://127.0.0.1:9469/metrics',
    onSignal: signal.subscribe,
    onReaderGone: readerGone.subscribe,
    notice: (line) => log.push(line),
    report(error) {
      log.push(`report ${(error as Error).message}`);
      return error instanceof SockexError ? error.exitCode : ExitCode.internal;
    },
    flush() {
      log.push('flush');
      return new Promise<void>((resolve) => (deliver = resolve));
    },
    ...overrides,
  };
  const session = startSession(inputs);
  let end: SessionEnd | undefined;
  void session.ended.then((e) => (end = e));
  return {
    session,
    log,
    statuses,
    snapshots,
    timers: t,
    signal,
    readerGone,
    /** The interface's next poll() returns these. */
    happen(event: InterfaceEvent) {
      events.set(event.interface, [...(events.get(event.interface) ?? []), event]);
    },
    failReads(error: Error) {
      failRead = error;
    },
    /** Let the pending flush complete, then see how the session ended (undefined: not yet). */
    async delivered(): Promise<SessionEnd | undefined> {
      deliver();
      await settle();
      return end;
    },
    async ended(): Promise<SessionEnd | undefined> {
      await settle();
      return end;
    },
  };
}

function subscription() {
  const handlers = new Set<() => void>();
  const subscribe: Subscribe = (handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  };
  return {
    subscribe,
    fire: () => [...handlers].forEach((h) => h()),
    get subscribed() {
      return handlers.size;
    },
  };
}

/** Let promise callbacks run (no timers, no real time). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

const RELEASED = ['close view', 'close a', 'close metrics'];

test('--count: each sample closes an interval (the reading at attach is the baseline), then release in reverse order and end after the flush', async () => {
  const run = fakeRun(['a'], { count: 3 });
  assert.deepEqual(run.log, [], 'nothing shown at attach');
  run.timers.fire();
  assert.deepEqual(run.log, ['render #2']);
  const [first] = run.snapshots;
  // The first sample: one interval since attach, the datagram of that interval and its rate.
  assert.equal(first?.interval, 1);
  assert.deepEqual(first?.counters.map((c) => [c.bytes, c.packets, c.bytesPerSecond, c.packetsPerSecond]), [[200n, 2n, 100, 1]]);
  run.timers.fire();
  run.timers.fire();
  assert.equal(run.timers.pending, undefined, 'no tick after the last sample');
  assert.deepEqual(run.log, ['render #2', 'render #3', 'render #4', ...RELEASED, 'flush']);
  assert.equal(await run.ended(), undefined, 'not ended while the output is still queued');
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
  assert.equal(run.signal.subscribed + run.readerGone.subscribed, 0, 'signals and the reader watch are released');
});

test('without --count the first sample is shown at attach, at a rate of 0', () => {
  const run = fakeRun();
  assert.deepEqual(run.log, ['render #1']);
  assert.deepEqual(run.snapshots[0]?.counters.map((c) => [c.bytes, c.bytesPerSecond]), [[100n, 0]]);
});

test('--count with the dashboard: it draws the reading at attach at once, which is not one of the samples', () => {
  const run = fakeRun(['a'], { count: 2, interactive: true });
  assert.deepEqual(run.log, ['render #1']);
  run.timers.fire();
  run.timers.fire();
  assert.deepEqual(run.log, ['render #1', 'render #2', 'render #3', ...RELEASED, 'flush']);
});

test('a signal: a final sample, then release, then the flush; exit 0', async () => {
  const run = fakeRun();
  run.timers.fire();
  run.signal.fire();
  assert.deepEqual(run.log, ['render #1', 'render #2', 'render #3', ...RELEASED, 'flush']);
  assert.equal(run.timers.pending, undefined);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});

test('a second signal while the output drains ends at once with exit 1, abandoning the output', async () => {
  const run = fakeRun();
  run.signal.fire();
  run.signal.fire();
  assert.deepEqual(await run.ended(), { exitCode: ExitCode.internal, abandonOutput: true });
});

test('the reader gone: nothing more is written or said, exit 0', async () => {
  const run = fakeRun();
  run.readerGone.fire();
  run.readerGone.fire();
  assert.deepEqual(run.log, ['render #1', ...RELEASED, 'flush']);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});

test('one of two interfaces lost: said once, its state in the status, counting goes on', () => {
  const run = fakeRun(['a', 'b']);
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  const said = run.log.filter((line) => line.startsWith('sockex:'));
  assert.deepEqual(said, ['sockex: interface a disappeared; its counts stay at their last values, counting goes on']);
  assert.equal(run.statuses.at(-1)?.interfaceStates?.get('a'), 'lost');
  assert.equal(run.statuses.at(-1)?.interfaceStates?.get('b'), undefined);
  assert.notEqual(run.timers.pending, undefined, 'still ticking');
});

test('every interface lost with exitWhenGone: a final sample, then the error reported after release, exit 4', async () => {
  const run = fakeRun(['a', 'b'], { exitWhenGone: true });
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  run.happen({ kind: 'lost', interface: 'b' });
  run.timers.fire();
  assert.deepEqual(run.log.slice(-7), [
    'render #3',
    'close view',
    'close b',
    'close a',
    'close metrics',
    'report interface a, b disappeared: nothing left to count on',
    'flush',
  ]);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.interface, abandonOutput: false });
});

test('every interface lost: sockex waits, says so once, keeps sampling, and counts again when one is back', () => {
  const run = fakeRun(['a', 'b']);
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  run.happen({ kind: 'lost', interface: 'b' });
  run.timers.fire();
  run.timers.fire();
  assert.deepEqual(
    run.log.filter((line) => line.startsWith('sockex:')),
    [
      'sockex: interface a disappeared; its counts stay at their last values, counting goes on',
      'sockex: interface b disappeared; its counts stay at their last values, waiting for a, b',
    ],
  );
  assert.deepEqual([...(run.statuses.at(-1)?.interfaceStates ?? [])], [['a', 'lost'], ['b', 'lost']]);
  assert.equal(run.log.filter((line) => line.startsWith('render')).length, 4, 'still sampling');
  assert.ok(!run.log.some((line) => line.startsWith('close')), 'nothing released');
  run.happen({ kind: 'rebound', interface: 'b', ifindex: 4, goneForMs: 2000 });
  run.timers.fire();
  assert.equal(run.log.at(-2), 'sockex: interface b was gone for up to 2.0 s; counting on it again (ifindex 4)');
  assert.deepEqual([...(run.statuses.at(-1)?.interfaceStates ?? [])], [['a', 'lost']]);
});

test('the only interface lost: "waiting for" it once, on stderr and (as its state) in the status', () => {
  const run = fakeRun(['wg0']);
  run.happen({ kind: 'lost', interface: 'wg0' });
  run.timers.fire();
  run.timers.fire();
  assert.deepEqual(
    run.log.filter((line) => line.startsWith('sockex:')),
    ['sockex: interface wg0 disappeared; its counts stay at their last values, waiting for wg0'],
  );
  assert.equal(run.statuses.at(-1)?.interfaceStates?.get('wg0'), 'lost');
});

test('back as a link type that cannot be read: said each time, its state lost (waited for)', () => {
  const run = fakeRun(['a']);
  const unreadable = { kind: 'unreadable', interface: 'a', ifindex: 9, linkType: 65534, reason: 'no privileges' } as const;
  run.happen({ kind: 'lost', interface: 'a' });
  run.happen(unreadable);
  run.timers.fire();
  run.happen({ ...unreadable, ifindex: 10 });
  run.timers.fire();
  assert.deepEqual(
    run.log.filter((line) => line.startsWith('sockex:')),
    [
      'sockex: interface a disappeared; its counts stay at their last values, waiting for a',
      'sockex: interface a is back as link type 65534 (ifindex 9) and is not counted: no privileges',
      'sockex: interface a is back as link type 65534 (ifindex 10) and is not counted: no privileges',
    ],
  );
  assert.equal(run.statuses.at(-1)?.interfaceStates?.get('a'), 'lost');
});

test('an interface that comes back is counting again: said once, its state cleared; down and no-carrier are said', () => {
  const run = fakeRun(['a', 'b']);
  run.happen({ kind: 'lost', interface: 'a' });
  run.happen({ kind: 'rebound', interface: 'a', ifindex: 7, goneForMs: 1250 });
  run.happen({ kind: 'down', interface: 'b' });
  run.timers.fire();
  run.happen({ kind: 'up', interface: 'b' });
  run.happen({ kind: 'up', interface: 'b' });
  run.happen({ kind: 'no-carrier', interface: 'a' });
  run.timers.fire();
  assert.deepEqual(
    run.log.filter((line) => line.startsWith('sockex:')),
    [
      'sockex: interface a disappeared; its counts stay at their last values, counting goes on',
      'sockex: interface a was gone for up to 1.3 s; counting on it again (ifindex 7)',
      'sockex: interface b is down: it sees no frames until it is up',
      'sockex: interface a has no carrier: it sees no frames until its link is up',
      'sockex: interface b is up',
    ],
  );
  assert.deepEqual([...(run.statuses.at(-1)?.interfaceStates ?? [])], [['a', 'no-carrier']]);
});

test('the status renderers see is a new object whenever it changes, with the metrics URL', () => {
  const run = fakeRun(['a', 'b']);
  run.timers.fire();
  run.happen({ kind: 'down', interface: 'a' });
  run.timers.fire();
  const [first, second, third] = run.statuses;
  assert.equal(first, second, 'unchanged: the same object');
  assert.notEqual(second, third);
  assert.equal(second?.interfaceStates?.size, 0, 'the earlier status did not change');
  assert.equal(third?.metricsUrl, 'http://127.0.0.1:9469/metrics');
  assert.ok(run.statuses.every((status) => Object.isFrozen(status)), 'frozen');
});

test('the sampler gets the sources\' reads as one, in their order: the same read while none moved', () => {
  const reads: CounterRead[] = [];
  const sampler = new Sampler(['a', 'b']);
  // Counts that never move: the same read every time.
  const quiet = (name: string): CounterSource => {
    const read = counterRead([{ interface: name, ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, bytes: 100n, packets: 1n }]);
    return { interface: name, read: () => read, poll: () => [], close: () => undefined };
  };
  const run = fakeRun(['a', 'b'], {
    sources: [quiet('a'), quiet('b')],
    sampler: {
      sample(read) {
        reads.push(read);
        return sampler.sample(read);
      },
    },
  });
  run.timers.fire();
  assert.deepEqual(reads[0]?.readings.map((r) => r.interface), ['a', 'b']);
  assert.equal(reads[1], reads[0], 'nothing moved: the same read, generation and all');
  assert.equal(run.log.filter((line) => line.startsWith('render')).length, 2);
});

test('a failed read: no final sample, the error reported after release, its exit code', async () => {
  const run = fakeRun();
  run.failReads(new SockexError('syscall', 'bpf_map_lookup_batch failed (EIO)'));
  run.timers.fire();
  assert.deepEqual(run.log, ['render #1', ...RELEASED, 'report bpf_map_lookup_batch failed (EIO)', 'flush']);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.io, abandonOutput: false });
});

test('a renderer that fails (the metrics server) ends the run with its exit code', async () => {
  const failing: Renderer = {
    render() {
      throw new SockexError('metrics-address', 'cannot serve metrics');
    },
    close() {},
  };
  const run = fakeRun(['a'], { renderers: [failing] });
  assert.deepEqual(run.log, [...RELEASED, 'report cannot serve metrics', 'flush']);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.metrics, abandonOutput: false });
});

test('the demo: its status reaches the renderers as new objects; its end takes a final sample and exits 0', async () => {
  let endPing: () => void = () => undefined;
  let report: (status: Readonly<DemoStatus>) => void = () => undefined;
  let stopped = 0;
  const demo: Demo = { done: new Promise((resolve) => (endPing = resolve)), stop: () => (stopped += 1) };
  const run = fakeRun(['a'], {
    startDemo: (onStatus) => {
      report = onStatus;
      return Promise.resolve(demo);
    },
  });
  await settle();
  report({ running: true, transmitted: 1, received: 1 });
  run.timers.fire();
  assert.deepEqual(run.statuses.at(-1)?.demo, { running: true, transmitted: 1, received: 1 });
  endPing();
  await settle();
  assert.deepEqual(run.log.slice(-5), ['render #3', ...RELEASED, 'flush']);
  assert.equal(stopped, 1);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});

test('the dashboard: down, no-carrier and up live in its header; only lost and rebound are said after it closes', async () => {
  const run = fakeRun(['a', 'b'], { interactive: true });
  run.happen({ kind: 'down', interface: 'b' });
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  run.happen({ kind: 'rebound', interface: 'a', ifindex: 9, goneForMs: 400 });
  run.happen({ kind: 'up', interface: 'b' });
  run.timers.fire();
  assert.deepEqual([...(run.statuses.at(-1)?.interfaceStates ?? [])], []);
  run.session.quit();
  assert.deepEqual(
    run.log.filter((line) => line.startsWith('sockex:')),
    [
      'sockex: interface a disappeared; its counts stay at their last values, counting goes on',
      'sockex: interface a was gone for up to 0.4 s; counting on it again (ifindex 9)',
    ],
  );
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});

test('the dashboard: stays after the demo, q ends without a final sample, notices wait until it has closed', async () => {
  let endPing: () => void = () => undefined;
  const run = fakeRun(['a', 'b'], {
    interactive: true,
    startDemo: () => Promise.resolve({ done: new Promise<void>((resolve) => (endPing = resolve)), stop() {} }),
  });
  run.happen({ kind: 'lost', interface: 'a' });
  run.timers.fire();
  endPing();
  await settle();
  assert.notEqual(run.timers.pending, undefined, 'still running after the demo');
  run.session.quit();
  assert.deepEqual(run.log, [
    'render #1',
    'render #2',
    'close view',
    'close b',
    'close a',
    'close metrics',
    'sockex: interface a disappeared; its counts stay at their last values, counting goes on',
    'flush',
  ]);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});

test('a failure from outside the loop (the dashboard) is reported after release', async () => {
  const run = fakeRun(['a'], { interactive: true });
  run.session.quit(new Error('terminal gone'));
  assert.deepEqual(run.log.slice(1), [...RELEASED, 'report terminal gone', 'flush']);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.internal, abandonOutput: false });
});

test('a demo that cannot start ends the run with its error', async () => {
  const run = fakeRun(['a'], { startDemo: () => Promise.reject(new SockexError('usage', 'the demo needs ping')) });
  await settle();
  assert.deepEqual(run.log.slice(1), [...RELEASED, 'report the demo needs ping', 'flush']);
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.usage, abandonOutput: false });
});

test('releases: every close runs even when one throws, last acquired first; the first error is returned', () => {
  const closed: string[] = [];
  const releases = new Releases();
  releases.hold({ close: () => closed.push('first') });
  releases.hold({
    close() {
      closed.push('second');
      throw new Error('second failed');
    },
  });
  releases.hold({ close: () => closed.push('third') });
  assert.equal((releases.releaseAll() as Error).message, 'second failed');
  assert.deepEqual(closed, ['third', 'second', 'first']);
  assert.equal(releases.releaseAll(), undefined, 'nothing is released twice');
});

test('the status line is said once signals are handled and before the first sample: a SIGTERM sent on seeing it gets a final sample', async () => {
  const signal = subscription();
  const order: string[] = [];
  const run = fakeRun(['a'], {
    onSignal: signal.subscribe,
    started: () => order.push(`started with ${signal.subscribed} signal handler`),
    renderers: [{ render: () => order.push('sample'), close: () => undefined }],
  });
  assert.deepEqual(order, ['started with 1 signal handler', 'sample']);
  signal.fire();
  assert.deepEqual(order, ['started with 1 signal handler', 'sample', 'sample'], 'a final sample');
  assert.deepEqual(await run.delivered(), { exitCode: ExitCode.ok, abandonOutput: false });
});
