#!/usr/bin/env node
/**
 * The one place that wires it together: kernel filters -> sampler ->
 * snapshots -> renderers, plus signals and exit codes. Errors become one line
 * on stderr here and nowhere else.
 */
import { VERSION, parseCli, type Options } from './cli.js';
import { startDemoPing, type DemoPing } from './demo.js';
import { ExitCode, SockexError } from './errors.js';
import { attachFilter, type AttachedFilter } from './kernel/filter.js';
import { captureLibbpfLog } from './kernel/libbpf-log.js';
import { loadNative } from './kernel/native.js';
import { dropPrivileges } from './kernel/privileges.js';
import { BreakdownSampler, withBreakdown } from './model/breakdown-sampler.js';
import type { InterfaceEvent } from './model/interface-events.js';
import { Sampler } from './model/sampler.js';
import type { Snapshot } from './model/snapshot.js';
import { startTicker, type Ticker } from './model/ticker.js';
import { renderJson } from './render/json.js';
import { renderLines } from './render/lines.js';
import type { MetricsServer } from './render/metrics-server.js';
import type { Renderer, RunStatus } from './render/renderer.js';
import { streamRenderer } from './render/stream.js';

export async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    const options = await parseCli(argv);
    if (!options) return ExitCode.ok;
    verbose = options.verbose;
    return await run(options);
  } catch (err) {
    return reportError(err, verbose);
  }
}

async function run(options: Options): Promise<number> {
  const native = loadNative();
  if (options.verbose) captureLibbpfLog(native, (m) => process.stderr.write(`libbpf: ${m.text}\n`));

  // Listen for scrapes first: a port in use fails before anything is attached.
  let metrics: MetricsServer | undefined;
  if (options.metrics) {
    // Loaded only here: prom-client and node:http cost start-up time other runs should not pay.
    const [{ serveMetrics }, { createPrometheusRenderer }] = await Promise.all([
      import('./render/metrics-server.js'),
      import('./render/prometheus.js'),
    ]);
    metrics = await serveMetrics(options.metrics, createPrometheusRenderer({ version: VERSION, by: options.by }));
  }

  // Attach one filter per interface; if one fails, detach the ones before it.
  const filters: AttachedFilter[] = [];
  const closeFilters = (): void => {
    for (const filter of filters.splice(0).reverse()) filter.close();
  };
  try {
    for (const name of options.interfaces) filters.push(attachFilter(name, { objectPath: options.objectPath, native, by: options.by, maxEntries: options.maxEntries }));
  } catch (err) {
    closeFilters();
    metrics?.close();
    throw err;
  }

  // Attached: root is no longer needed to read the counters.
  if (!options.keepPrivileges) {
    const outcome = dropPrivileges(native, () => filters.forEach((f) => f.read()));
    if (outcome.kind === 'kept') process.stderr.write(`sockex: keeping root privileges: ${outcome.reason}\n`);
    else if (outcome.kind === 'dropped' && options.verbose) {
      process.stderr.write(`sockex: now running as ${outcome.to.source} (uid ${outcome.to.uid}, gid ${outcome.to.gid})\n`);
    }
  }

  const sampler = new Sampler(options.interfaces);
  let status: RunStatus = { interval: options.interval, demo: undefined };
  const dashboard = wantsDashboard(options);
  // q and Ctrl-C in the dashboard arrive as keys (raw mode), not as SIGINT.
  let requestStop = (_error?: unknown): void => undefined;
  let renderer: Renderer;
  try {
    renderer = await createRenderer(options, dashboard, (error) => requestStop(error));
  } catch (err) {
    closeFilters();
    metrics?.close();
    throw err;
  }
  const breakdown = options.by.length > 0 ? new BreakdownSampler(options.by) : undefined;
  const readAll = (): Snapshot => {
    const snapshot = sampler.sample(filters.flatMap((f) => f.read()));
    if (!breakdown) return snapshot;
    // Read right after the protocol counters: under traffic the two differ by the frames in between.
    return withBreakdown(snapshot, breakdown.sample(filters.flatMap((f) => f.readBreakdown?.() ?? []), snapshot.interval));
  };
  const show = (snapshot: Snapshot): void => {
    renderer.render(snapshot, status);
    metrics?.render(snapshot, status);
  };

  return await new Promise<number>((resolve) => {
    let ticker: Ticker | undefined;
    let demo: DemoPing | undefined;
    let stopped = false;
    let samples = 0;

    const stop = (code: number, finalSample: boolean, error?: unknown): void => {
      if (stopped) return;
      stopped = true;
      ticker?.stop();
      demo?.kill();
      try {
        // A last reading, so what ends in a pipe is the final count (a closing dashboard would only flash it).
        if (finalSample && !dashboard && filters.length > 0) show(readAll());
      } catch (err) {
        error ??= err;
      }
      closeFilters();
      renderer.close();
      metrics?.close();
      // Only now, with the terminal restored, can an error be read.
      if (error !== undefined) code = reportError(error, options.verbose);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      resolve(code);
    };

    const onSignal = (): void => {
      if (stopped) {
        // A second Ctrl-C while stopping: leave now; closing the fds detaches.
        process.exit(ExitCode.internal);
      }
      stop(ExitCode.ok, true);
    };
    requestStop = (error) => (error === undefined ? onSignal() : stop(ExitCode.internal, false, error));
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away (sockex | head -1): nothing more to say.
      if (err.code === 'EPIPE') stop(ExitCode.ok, false);
    });

    if (metrics && !options.quiet && !dashboard) process.stderr.write(`sockex: serving metrics on ${metrics.url}\n`);
    if (dashboard) {
      // The dashboard's header says it all.
    } else if (!options.quiet && !options.json) {
      process.stderr.write(`sockex: counting on ${options.interfaces.join(', ')}; Ctrl-C to stop\n`);
    } else if (!options.quiet) {
      process.stderr.write(`sockex: counting on ${options.interfaces.join(', ')}\n`);
    }

    // What became of the interfaces: say each event once; with every one lost, stop.
    const lost = new Set<string>();
    const interfacesLeft = (): boolean => {
      const events = filters.flatMap((filter) => filter.poll());
      if (events.length === 0) return lost.size < filters.length;
      const states = new Map(status.interfaceStates);
      for (const event of events) {
        if (event.kind === 'lost') lost.add(event.interface);
        else if (event.kind === 'rebound') lost.delete(event.interface);
        if (event.kind === 'rebound' || event.kind === 'up') states.delete(event.interface);
        else states.set(event.interface, event.kind);
      }
      status = { ...status, interfaceStates: states };
      const left = lost.size < filters.length;
      // The dashboard has the states in its header (stderr would draw over it);
      // with none left, the error stop() reports says it.
      for (const event of events) {
        if (!dashboard && (event.kind !== 'lost' || left)) process.stderr.write(`sockex: ${describeInterfaceEvent(event)}\n`);
      }
      return left;
    };

    const tick = (): void => {
      if (!interfacesLeft()) {
        const gone = [...lost].join(', ');
        // Reported by stop() once the terminal is restored.
        stop(ExitCode.interface, true, new SockexError('interface-lost', `interface ${gone} disappeared: nothing left to count on`));
        return;
      }
      try {
        show(readAll());
      } catch (err) {
        stop(ExitCode.internal, false, err);
        return;
      }
      samples += 1;
      if (options.count !== undefined && samples >= options.count) stop(ExitCode.ok, false);
    };
    // The first sample at once (as the kernel sample prints before its first sleep), then one per interval.
    tick();
    if (!stopped) ticker = startTicker(options.interval * 1000, tick);

    if (options.command === 'demo' && !stopped) {
      // The status renderers see is a copy: ping's own object keeps changing.
      const refreshDemo = (): void => {
        if (demo) status = { ...status, demo: { ...demo.status } };
      };
      startDemoPing(refreshDemo).then(
        (ping) => {
          demo = ping;
          refreshDemo();
          // The dashboard stays up to be read after ping ends; q quits.
          if (!dashboard) void ping.done.then(() => stop(ExitCode.ok, true));
        },
        (err) => stop(ExitCode.internal, false, err),
      );
    }
  });
}

function describeInterfaceEvent(event: InterfaceEvent): string {
  const name = event.interface;
  switch (event.kind) {
    case 'lost':
      return `interface ${name} disappeared; its counts stay at their last values, counting goes on`;
    case 'rebound':
      return `interface ${name} was gone for up to ${(event.goneForMs / 1000).toFixed(1)} s; counting on it again (ifindex ${event.ifindex})`;
    case 'down':
      return `interface ${name} is down: it sees no frames until it is up`;
    case 'no-carrier':
      return `interface ${name} has no carrier: it sees no frames until its link is up`;
    case 'up':
      return `interface ${name} is up`;
  }
}

/**
 * The dashboard when a person is watching: stdout is a terminal and no other
 * output was asked for. A dumb terminal cannot move its cursor: lines there.
 */
function wantsDashboard(options: Options): boolean {
  return process.stdout.isTTY === true && process.env.TERM !== 'dumb' && !options.plain && !options.json && !options.quiet;
}

async function createRenderer(options: Options, dashboard: boolean, onQuit: (error?: unknown) => void): Promise<Renderer> {
  if (dashboard) {
    // Loaded only here: blessed costs start-up time that line and JSON runs should not pay.
    const { openDashboard } = await import('./render/tui/tui.js');
    return openDashboard({ onQuit });
  }
  if (options.quiet) return { render() {}, close() {} };
  if (options.json) return streamRenderer(renderJson, process.stdout);
  return streamRenderer(renderLines, process.stdout);
}

function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof SockexError) {
    process.stderr.write(`sockex: ${err.message}\n`);
    if (verbose && err.detail) process.stderr.write(`${err.detail}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sockex: unexpected error: ${message.split('\n')[0]} (run with --verbose for details)\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.internal;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Timers and stdin listeners of libraries must not keep a finished run alive.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.exitCode = reportError(err, true);
  },
);
