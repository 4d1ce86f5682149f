#!/usr/bin/env node
/**
 * The wiring: parse the command line, acquire what the run needs (metrics
 * server, filters, the view) in order, hand it all to a session
 * (src/session/session.ts, which owns the run and its end), and turn errors
 * into one line on stderr and an exit code, here and nowhere else.
 */
import { VERSION, parseCli, type Options } from './cli.js';
import { chooseOutput, type Output } from './cli/output.js';
import { startDemoPing } from './demo.js';
import { ExitCode, asSockexError, printable } from './errors.js';
import { attachFilter, DescriptorBudget, dropPrivileges, libbpfLog, loadNative, raiseDescriptorLimit } from './kernel/index.js';
import { CgroupPaths, findCgroup2Root } from './kernel/cgroups/index.js';
import type { BreakdownBy } from './model/breakdown.js';
import { sampleWithBreakdown } from './model/breakdown-sampler.js';
import { OwnerDetails } from './model/owner-details.js';
import { isOwnerKind } from './model/owners.js';
import { Sampler } from './model/sampler.js';
import { systemTimers } from './session/ticker.js';
import { renderJson } from './render/json.js';
import { renderLines } from './render/lines.js';
import type { MetricsServer } from './render/metrics-server.js';
import type { Renderer } from './render/renderer.js';
import { streamRenderer } from './render/stream.js';
import { Outputs } from './session/outputs.js';
import { readerWatchNeeded, stdoutReaderGone } from './session/reader-gone.js';
import { Releases } from './session/releases.js';
import { startSession, type Session, type SessionEnd, type Subscribe } from './session/session.js';

/** stdout and stderr, and what became of what was written to them. */
const outputs = new Outputs();

export async function main(argv: string[]): Promise<SessionEnd> {
  outputs.watch('stdout', process.stdout);
  outputs.watch('stderr', process.stderr);
  let verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    const options = await parseCli(argv);
    if (!options) return { exitCode: ExitCode.ok, abandonOutput: false };
    verbose = options.verbose;
    return await run(options);
  } catch (err) {
    return { exitCode: reportError(err, verbose), abandonOutput: false };
  }
}

async function run(options: Options): Promise<SessionEnd> {
  // Decided first: an output that cannot be (--by with the line) is refused before anything is loaded.
  const output = chooseOutput(options, { isTTY: process.stdout.isTTY === true, term: process.env.TERM });
  const dashboard = output === 'dashboard';
  const native = loadNative();
  if (options.verbose) libbpfLog(native).echoTo((m) => process.stderr.write(`${m.text.replace(/^/gm, 'libbpf: ')}\n`));
  // Some descriptors per interface: the soft limit (often 1024) up to the hard one, as daemons do.
  raiseDescriptorLimit(native);
  const descriptors = new DescriptorBudget(native, options.interfaces, options.by.length > 0, options.by.some(isOwnerKind));

  const releases = new Releases();
  const renderers: Renderer[] = [];
  let session: Session | undefined;
  try {
    // Listen for scrapes first: a port in use fails before anything is attached.
    const metrics = options.metrics ? releases.hold(await serveMetrics(options.metrics, options)) : undefined;
    // One filter per interface; a failure releases the ones before it.
    descriptors.check();
    // --by process/user/cgroup: the hooks attach at this root and its paths name their ids, so both agree.
    const cgroupRoot = options.by.some(isOwnerKind) ? (options.cgroup2 ?? findCgroup2Root()) : undefined;
    const filters = options.interfaces.map((name) =>
      releases.hold(attachFilter(name, { objectPath: options.objectPath, native, by: options.by, maxEntries: options.maxEntries, cgroupRoot })),
    );
    // The dashboard's code and blessed are read now, as root: once nobody, a clone or an install
    // under a directory only root can read (/root) would be closed to the lazy import.
    const dashboardCode = dashboard ? await import('./render/tui/tui.js') : undefined;
    // Attached: root is no longer needed to read the counters.
    if (!options.keepPrivileges) {
      const outcome = dropPrivileges(native, () => filters.forEach((f) => f.read()));
      if (outcome.kind === 'kept') process.stderr.write(`sockex: keeping root privileges: ${outcome.reason}\n`);
      else if (outcome.kind === 'dropped' && options.verbose) {
        process.stderr.write(`sockex: now running as ${outcome.to.source} (uid ${outcome.to.uid}, gid ${outcome.to.gid})\n`);
      }
    }
    // q and Ctrl-C in the dashboard arrive as keys (raw mode), not as SIGINT.
    const view = await createView(output, (error) => session?.quit(error), dashboardCode);
    if (view) renderers.push(releases.hold(view));
    // A failed write (not a reader gone) ends the run: nothing written after it would be whole.
    outputs.onFailure((error) => session?.quit(error));
    if (metrics) renderers.push(metrics);

    session = startSession({
      sources: filters,
      sampler:
        options.by.length > 0
          ? sampleWithBreakdown(new Sampler(options.interfaces), options.by, ownerDetailsFor(options.by, cgroupRoot))
          : new Sampler(options.interfaces),
      renderers,
      releases,
      timers: systemTimers,
      intervalSeconds: options.interval,
      count: options.count,
      interactive: dashboard,
      metricsUrl: metrics?.url,
      onSignal: processSignals,
      // Only lines and JSON have a reader to lose (a terminal that hangs up sends SIGHUP);
      // below a second between samples the next write's EPIPE says it soon enough.
      onReaderGone: view && !dashboard ? stdoutReaderGone(native, readerWatchNeeded(options.interval), outputs.sampleStream()) : noReaderToLose,
      notice: (line) => process.stderr.write(`${line}\n`),
      report: (error) => reportError(descriptors.explain(error), options.verbose),
      flush: flushOutput,
      startDemo: options.command === 'demo' ? startDemoPing : undefined,
      exitWhenGone: options.exitWhenGone,
      started: options.quiet ? undefined : () => sayCounting(options, dashboard, metrics?.url),
    });
  } catch (err) {
    // Explained while what was attached is still open: the count is the one that failed.
    const explained = descriptors.explain(err);
    releases.releaseAll();
    throw explained;
  }
  return session.ended;
}

/** Why this interface, when nobody named it. */
const chosenBecause: Record<Options['interfacesFrom'], string> = {
  'command line': '',
  demo: '',
  'default route': " (the default route's interface; name another with -i)",
  'no default route': ' (no default route here; name another with -i)',
};

/** --by process, user or cgroup: what user space adds to the kernel's owners (user names, cgroup paths, exited processes). */
function ownerDetailsFor(by: readonly BreakdownBy[], root: string | undefined): OwnerDetails | undefined {
  if (!by.some(isOwnerKind)) return undefined;
  return new OwnerDetails({ ...(root === undefined ? {} : { cgroups: new CgroupPaths(root) }) });
}

/** The status line a script can wait for; the dashboard's header says it instead. */
function sayCounting(options: Options, dashboard: boolean, metricsUrl: string | undefined): void {
  if (dashboard) return;
  if (metricsUrl) process.stderr.write(`sockex: serving metrics on ${metricsUrl}\n`);
  const stopHint = options.json ? '' : '; Ctrl-C to stop';
  process.stderr.write(`sockex: counting on ${options.interfaces.map(printable).join(', ')}${chosenBecause[options.interfacesFrom]}${stopHint}\n`);
}

async function serveMetrics(address: NonNullable<Options['metrics']>, options: Options): Promise<MetricsServer> {
  // Loaded only here: the metrics writers and node:http cost start-up time other runs should not pay.
  const [{ serveMetrics: serve }, { createPrometheusRenderer }] = await Promise.all([
    import('./render/metrics-server.js'),
    import('./render/prometheus.js'),
  ]);
  const budget = { maxSeries: options.maxSeries, idleSeconds: options.seriesIdle };
  return serve(address, createPrometheusRenderer({ version: VERSION, by: options.by, budget, runtimeMetrics: options.runtimeMetrics }));
}

type DashboardCode = typeof import('./render/tui/tui.js');

/**
 * The renderer of the chosen output; none for --quiet with --metrics alone.
 * The dashboard's module is loaded by the caller only when it is the output:
 * blessed costs start-up time that line and JSON runs should not pay.
 */
async function createView(output: Output, onQuit: (error?: unknown) => void, dashboardCode: DashboardCode | undefined): Promise<Renderer | undefined> {
  switch (output) {
    case 'dashboard':
      return dashboardCode?.openDashboard({ onQuit });
    case 'json':
    case 'lines': {
      const renderer = streamRenderer(output === 'json' ? renderJson : renderLines, outputs.sampleStream());
      outputs.countSamples(renderer);
      return renderer;
    }
    case 'none':
      return undefined;
  }
}

const noReaderToLose: Subscribe = () => () => undefined;

const processSignals: Subscribe = (handler) => {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, handler);
  return () => signals.forEach((signal) => process.off(signal, handler));
};

function flushOutput(): Promise<void> {
  return outputs.flushed();
}

/**
 * A write that failed after the session ended (the last samples, --help) is
 * said now; and if stderr failed, what sockex had to say is incomplete: the
 * exit code says it where no line can.
 */
function withOutputFailures(exitCode: number): number {
  const stdout = outputs.stdoutFailure();
  // Exit code 10 was the session's: it said so already.
  if (stdout && exitCode !== ExitCode.output) {
    reportError(stdout, false);
    if (exitCode === ExitCode.ok) return ExitCode.output;
  }
  return exitCode === ExitCode.ok && outputs.stderrFailed() ? ExitCode.output : exitCode;
}

function reportError(err: unknown, verbose: boolean): number {
  const known = asSockexError(err);
  if (known) {
    process.stderr.write(`sockex: ${known.message}\n`);
    if (verbose && known.detail) process.stderr.write(`${known.detail}\n`);
    return known.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sockex: unexpected error: ${message.split('\n')[0]} (run with --verbose for details)\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.internal;
}

main(process.argv.slice(2)).then(
  async ({ exitCode, abandonOutput }) => {
    process.exitCode = exitCode;
    // Timers and stdin listeners of libraries must not keep a finished run alive.
    if (abandonOutput) process.exit(exitCode);
    // Everything written (--help too) reaches its reader before the exit drops it.
    await flushOutput();
    const code = withOutputFailures(exitCode);
    await flushOutput();
    process.exit(code);
  },
  (err: unknown) => {
    process.exitCode = reportError(err, true);
  },
);
