/**
 * One run of sockex, from the first sample to the last byte delivered: the
 * sampling loop, what the interfaces do meanwhile, the demo, and every way a
 * run ends. Everything it touches comes in (counter sources, a sampler,
 * timers, renderers, signals, the reader's fate, stderr), so each way of
 * ending is a unit test with fakes.
 *
 * How a run ends:
 *   --count reached        exit 0, no extra sample
 *   SIGINT/SIGTERM/SIGHUP  exit 0, a final sample; a second one while the
 *                          output drains: exit 1 at once
 *   q in the dashboard     exit 0
 *   the demo's ping ended  exit 0, a final sample (the dashboard stays up)
 *   the reader went away   exit 0, nothing more written
 *   every interface lost   with exitWhenGone: exit 4, a final sample;
 *                          else it waits for them to come back
 *   a failure (a read, a renderer, the demo)  its own exit code
 * Then: release what was acquired, last first (the terminal is restored
 * before anything is said), say the error, and end only once stdout and
 * stderr have been delivered (or their reader is gone).
 */
import { ExitCode, SockexError, printable } from '../errors.js';
import { joinReads, type CounterRead } from '../model/counter-read.js';
import type { OwnersLost } from '../model/breakdown.js';
import type { InterfaceEvent, InterfaceState } from '../model/interface-events.js';
import { ownersLostWarnings } from '../model/owners-lost.js';
import type { Snapshot } from '../model/snapshot.js';
import { startTicker, type Ticker, type Timers } from './ticker.js';
import type { DemoStatus, RunStatus } from '../model/run-status.js';
import type { Renderer } from '../render/renderer.js';
import type { CounterSource } from './counter-source.js';
import type { Releases } from './releases.js';

/** Calls handler whenever the thing happens; returns the unsubscribe. */
export type Subscribe = (handler: () => void) => () => void;

export interface Demo {
  /** Resolves when the demo's traffic has ended. */
  readonly done: Promise<void>;
  /** End it early. Safe to call twice. */
  stop(): void;
}

/** Start the demo; onStatus gets a new status object whenever it changes. */
type StartDemo = (onStatus: (status: Readonly<DemoStatus>) => void) => Promise<Demo>;

export interface SessionInputs {
  /** Attached filters, in the order of the interfaces. */
  readonly sources: readonly CounterSource[];
  readonly sampler: { sample(read: CounterRead): Snapshot };
  /** Every output (the view, the metrics server); each gets every snapshot. */
  readonly renderers: readonly Renderer[];
  /** What main acquired before the session (filters, renderers...): released, last first, at the end. */
  readonly releases: Releases;
  readonly timers: Timers;
  readonly intervalSeconds: number;
  /**
   * Stop after this many samples, each at the end of an interval (the reading
   * at attach is only the first one's baseline, shown to a dashboard alone);
   * undefined: until stopped, the first sample shown at attach.
   */
  readonly count: number | undefined;
  /**
   * A person watches a dashboard: no final sample (a closing dashboard would
   * only flash it), it stays up after the demo ends, and notices wait until
   * it has given the terminal back.
   */
  readonly interactive: boolean;
  readonly metricsUrl: string | undefined;
  /** SIGINT, SIGTERM and SIGHUP. */
  readonly onSignal: Subscribe;
  /** The reader of stdout went away (EPIPE, or the pipe's read end closed). */
  readonly onReaderGone: Subscribe;
  /** One line to stderr (no newline). */
  notice(line: string): void;
  /** Say what went wrong (on stderr) and return its exit code: main's error mapping. */
  report(error: unknown): number;
  /** Resolves once everything written has reached its reader, or the reader is gone. */
  flush(): Promise<void>;
  readonly startDemo?: StartDemo | undefined;
  /**
   * End with exit 4 once every interface is gone (--exit-when-gone); else
   * sockex waits for them and counts again when one is back.
   */
  readonly exitWhenGone?: boolean | undefined;
  /**
   * Called once the signals are handled, before the first sample: where the
   * status line a script waits for is said, so a SIGTERM sent on seeing it
   * always ends the run the way it should (with a final sample).
   */
  readonly started?: (() => void) | undefined;
}

export interface SessionEnd {
  readonly exitCode: number;
  /** A second signal cut the wait for the output short: exit now, drop what is queued. */
  readonly abandonOutput: boolean;
}

export interface Session {
  /** The dashboard's q (no error) or a failure from outside the loop (an error). */
  quit(error?: unknown): void;
  /** Resolves once everything is released and the output delivered (or abandoned). */
  readonly ended: Promise<SessionEnd>;
}

interface Ending {
  code: number;
  finalSample: boolean;
  error?: unknown;
}

export function startSession(inputs: SessionInputs): Session {
  const { sources, renderers } = inputs;
  // What renderers see: frozen, and a new object whenever something changes.
  let status: RunStatus = Object.freeze({ interval: inputs.intervalSeconds, demo: undefined, metricsUrl: inputs.metricsUrl, interfaceStates: new Map() });
  const updateStatus = (change: Partial<RunStatus>): void => {
    status = Object.freeze({ ...status, ...change });
  };
  const states = new Map<string, InterfaceState>();
  const heldNotices: string[] = [];
  // With the dashboard up, stderr would tear the screen and its header shows
  // the interface states: only what leaves a mark on the numbers (an interface
  // lost, or back after a gap) is said again once the terminal is restored.
  const notice = (line: string, lasting = true): void => {
    if (!inputs.interactive) inputs.notice(line);
    else if (lasting) heldNotices.push(line);
  };

  let resolveEnded: (end: SessionEnd) => void = () => undefined;
  const ended = new Promise<SessionEnd>((resolve) => (resolveEnded = resolve));
  let stopping = false;
  let finished = false;
  let ticker: Ticker | undefined;
  let demo: Demo | undefined;
  let samples = 0;

  const finish = (end: SessionEnd): void => {
    if (finished) return;
    finished = true;
    unsubscribeSignals();
    unsubscribeReader();
    resolveEnded(end);
  };

  // The sources' reads as one: the same read (and generation) while none moved.
  const join = joinReads();
  // The owners_lost table as last sampled: a table's warning is said when it first grows.
  let ownersLost: OwnersLost | undefined;
  /** Read and sample; shown: hand the snapshot to the renderers (else it is only the baseline of the next one's rates). */
  const show = (shown = true): void => {
    const snapshot = inputs.sampler.sample(join(sources.map((source) => source.read())));
    // A full owner table leaves a mark on the numbers ("none" grows): said once per table.
    for (const line of ownersLostWarnings(ownersLost, snapshot.breakdown?.ownersLost)) notice(line);
    ownersLost = snapshot.breakdown?.ownersLost ?? ownersLost;
    if (shown) for (const renderer of renderers) renderer.render(snapshot, status);
  };

  const stop = (ending: Ending): void => {
    if (stopping) return;
    stopping = true;
    ticker?.stop();
    demo?.stop();
    let error = ending.error;
    if (ending.finalSample && !inputs.interactive && sources.length > 0) {
      try {
        // A last reading, so what ends in a pipe is the final count.
        show();
      } catch (err) {
        error ??= err;
      }
    }
    const releaseError = inputs.releases.releaseAll();
    error ??= releaseError;
    // The terminal is ours again: now things can be said.
    for (const line of heldNotices.splice(0)) inputs.notice(line);
    const code = error === undefined ? ending.code : inputs.report(error);
    const delivered = (): void => finish({ exitCode: code, abandonOutput: false });
    inputs.flush().then(delivered, delivered);
  };
  const fail = (error: unknown): void => stop({ code: ExitCode.internal, finalSample: false, error });

  const unsubscribeSignals = inputs.onSignal(() => {
    // A second signal while the output drains: the person means it.
    if (stopping) finish({ exitCode: ExitCode.internal, abandonOutput: true });
    else stop({ code: ExitCode.ok, finalSample: true });
  });
  // Nobody reads any more: nothing more to say, and no reason to hold the socket.
  const unsubscribeReader = inputs.onReaderGone(() => stop({ code: ExitCode.ok, finalSample: false }));

  const apply = (event: InterfaceEvent): void => {
    const before = states.get(event.interface);
    const after: InterfaceState | undefined = event.kind === 'rebound' || event.kind === 'up' ? undefined : event.kind === 'unreadable' ? 'lost' : event.kind;
    // Each refusal is said: it tells what the interface came back as.
    if (before === after && event.kind !== 'unreadable') return;
    if (after === undefined) states.delete(event.interface);
    else states.set(event.interface, after);
    updateStatus({ interfaceStates: new Map(states) });
    const lost = sources.filter((source) => states.get(source.interface) === 'lost').map((source) => source.interface);
    if (event.kind === 'lost' && lost.length === sources.length) {
      // The last one lost: said by the error that ends the run, or sockex waits for them.
      if (!inputs.exitWhenGone) notice(`sockex: interface ${printable(event.interface)} disappeared; its counts stay at their last values, waiting for ${lost.map(printable).join(', ')}`);
      return;
    }
    notice(describe(event), event.kind === 'lost' || event.kind === 'rebound' || event.kind === 'unreadable');
  };

  /** atAttach: the first reading, taken at once; it is not one of --count's samples. */
  const tick = (atAttach = false): void => {
    try {
      for (const source of sources) source.poll().forEach(apply);
      const lost = sources.filter((source) => states.get(source.interface) === 'lost');
      if (inputs.exitWhenGone && sources.length > 0 && lost.length === sources.length) {
        const gone = lost.map((source) => printable(source.interface)).join(', ');
        const error = new SockexError('interface-lost', `interface ${gone} disappeared: nothing left to count on`);
        stop({ code: ExitCode.interface, finalSample: true, error });
        return;
      }
      show(!atAttach || inputs.count === undefined || inputs.interactive);
    } catch (err) {
      fail(err);
      return;
    }
    if (atAttach) return;
    samples += 1;
    if (inputs.count !== undefined && samples >= inputs.count) stop({ code: ExitCode.ok, finalSample: false });
  };

  inputs.started?.();
  // The first reading at once, then one per interval. Without --count it is shown (the kernel sample
  // prints before its first sleep; the dashboard draws at once). With --count each sample closes an
  // interval, so "-c 1" answers with one interval's traffic and its rates: the reading at attach is
  // their baseline (a dashboard still draws it, and it does not count).
  tick(true);
  if (!stopping) ticker = startTicker(inputs.intervalSeconds * 1000, () => tick(), inputs.timers);
  if (inputs.startDemo && !stopping) {
    inputs
      .startDemo((demoStatus) => updateStatus({ demo: demoStatus }))
      .then((started) => {
        demo = started;
        if (stopping) {
          started.stop();
          return;
        }
        // The dashboard stays up to be read after ping ends; q quits.
        if (!inputs.interactive) void started.done.then(() => stop({ code: ExitCode.ok, finalSample: true }));
      }, fail);
  }

  return {
    quit(error?: unknown) {
      if (error === undefined) stop({ code: ExitCode.ok, finalSample: true });
      else fail(error);
    },
    ended,
  };
}

function describe(event: InterfaceEvent): string {
  const name = printable(event.interface);
  switch (event.kind) {
    case 'lost':
      return `sockex: interface ${name} disappeared; its counts stay at their last values, counting goes on`;
    case 'unreadable':
      return `sockex: interface ${name} is back as link type ${event.linkType} (ifindex ${event.ifindex}) and is not counted: ${event.reason}`;
    case 'rebound':
      return `sockex: interface ${name} was gone for up to ${(event.goneForMs / 1000).toFixed(1)} s; counting on it again (ifindex ${event.ifindex})`;
    case 'down':
      return `sockex: interface ${name} is down: it sees no frames until it is up`;
    case 'no-carrier':
      return `sockex: interface ${name} has no carrier: it sees no frames until its link is up`;
    case 'up':
      return `sockex: interface ${name} is up`;
  }
}
