/**
 * The command line: yargs turns argv into typed, validated options. Nothing
 * else happens here; a bad value becomes a one-line usage error with the fix
 * in it (usage-errors.ts puts yargs' own complaints in those words).
 */
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import yargs, { type Argv, type Options as YargsOption } from 'yargs';
import { COMMAND_WORDS, DESCRIPTION, SUMMARY, helpEpilogue } from './cli/help-text.js';
import { closest } from './cli/closest.js';
import { usageError, yargsFailure } from './cli/usage-errors.js';
import { printable, SockexError } from './errors.js';
import { cgroup2RootProblem } from './kernel/cgroups/index.js';
import { DEFAULT_MAX_ENTRIES, MAX_MAX_ENTRIES, interfaceNamesHere, invalidInterfaceName, readDefaultRouteInterface } from './kernel/index.js';
import { BREAKDOWN_KINDS, type BreakdownBy } from './model/breakdown.js';
import { isOwnerKind } from './model/owners.js';
import { ANY_INTERFACE } from './model/counters.js';
import { DEFAULT_MAX_SERIES, DEFAULT_SERIES_IDLE_SECONDS } from './model/series-budget.js';
import type { ListenAddress } from './render/metrics-server.js';

export interface Options {
  command: 'count' | 'demo';
  /** Interface names, in the order given, without repeats. */
  interfaces: string[];
  /** How the interfaces were chosen: named on the command line, the default route's, lo for want of one, or the demo's lo. */
  interfacesFrom: 'command line' | 'default route' | 'no default route' | 'demo';
  /** Seconds between samples. */
  interval: number;
  /** Stop after this many samples; undefined: until interrupted. */
  count: number | undefined;
  json: boolean;
  /** Line output even on a terminal. */
  plain: boolean;
  /** No dashboard and no status lines (--json and --plain still print); with --metrics, runs as a service. */
  quiet: boolean;
  verbose: boolean;
  /** The compiled filter to load (for testing another build). */
  objectPath: string | undefined;
  /** Keep root after attaching instead of dropping to the invoking user. */
  keepPrivileges: boolean;
  /** Exit (code 4) once every interface named is gone, instead of waiting for one to come back. */
  exitWhenGone: boolean;
  /** Where to serve Prometheus metrics (--metrics [host:]port); undefined: nowhere. */
  metrics: ListenAddress | undefined;
  /** Split IP counters by port and/or host (--by); empty: by protocol only, today's filter. */
  by: BreakdownBy[];
  /** The kernel's breakdown table size (--max-entries). */
  maxEntries: number;
  /** Breakdown keys with a Prometheus series of their own, across all devices (--max-series). */
  maxSeries: number;
  /** Seconds without new bytes before a key loses its series, and a gone device its series (--series-idle). */
  seriesIdle: number;
  /** Add Node.js's runtime metrics to --metrics (--runtime-metrics). */
  runtimeMetrics: boolean;
  /** The cgroup2 root to attach the owner hooks at and name cgroups under (--cgroup2); undefined: found in /proc/self/mounts. */
  cgroup2: string | undefined;
}

/** What the command line needs to know about this machine; unit tests pass fakes. */
export interface CliSystem {
  /** The interface carrying the default route in this network namespace, if any. */
  defaultRouteInterface(): string | undefined;
  /** The interfaces of this network namespace, for shell completion. */
  interfaceNames(): string[];
}

const LIVE_SYSTEM: CliSystem = { defaultRouteInterface: readDefaultRouteInterface, interfaceNames: interfaceNamesHere };

/** Metrics stay on this host unless another address is asked for. */
const DEFAULT_METRICS_HOST = '127.0.0.1';

/** The longest interval that still makes sense for a live counter: one day. */
export const MAX_INTERVAL = 86400;
/** Below this the sampling itself would cost more than it shows. */
export const MIN_INTERVAL = 0.01;

/** Where sockex counts when no interface is named and no default route exists; and the demo's only interface. */
const FALLBACK_INTERFACE = 'lo';

// The package's own version, from the one place it is written.
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Options that take one value: given twice, sockex refuses rather than pick one silently. */
const SINGLE_VALUE = ['interval', 'count', 'metrics', 'max-entries', 'max-series', 'series-idle', 'cgroup2', 'object'] as const;

/** The most --max-series allows: beyond it the budget no longer protects a Prometheus server. */
const MAX_MAX_SERIES = 100_000;
/** The longest --series-idle: a week. */
const MAX_SERIES_IDLE = 604_800;

/**
 * Every option, once: yargs reads argv with these, --help shows them and the
 * man page lists them. `numeric` options are parsed as text (so "0x10" and
 * "1e1" can be refused) but shown as numbers in --help.
 */
export const OPTIONS: Readonly<Record<string, YargsOption & { numeric?: true; value?: string }>> = {
  interface: {
    alias: 'i',
    type: 'string',
    array: true,
    value: 'name',
    // No yargs default: it would also stand in for a bare "-i" with no name.
    defaultDescription: 'the default route\'s, else lo',
    describe: 'interface to count on; repeat for several, or "any" for all (a bare name works too)',
  },
  interval: { alias: 'n', numeric: true, value: 'seconds', default: 1, describe: 'seconds between samples (fractions allowed, 0.01 to 86400)' },
  count: {
    alias: 'c',
    numeric: true,
    value: 'samples',
    defaultDescription: 'until Ctrl-C',
    describe: 'stop after this many samples, each at the end of an interval (-c 1: one interval\'s traffic)',
  },
  json: { type: 'boolean', default: false, describe: 'print one JSON object per sample (NDJSON): every counter, its count since attach and its rate over the interval' },
  plain: {
    type: 'boolean',
    default: false,
    describe: "print the kernel sample's line even on a terminal: bytes sent (tx only, on purpose) by TCP, UDP and ICMP; not with --json or --by",
  },
  quiet: {
    alias: 'q',
    type: 'boolean',
    default: false,
    describe: 'no dashboard and no status lines, for a run that serves --metrics (a service) or prints --json or --plain; alone it is refused',
  },
  tui: { type: 'boolean', default: true, hidden: true, describe: '--no-tui is the same as --quiet' },
  metrics: {
    type: 'string',
    value: '[host:]port',
    describe: 'serve Prometheus metrics on [host:]port (host defaults to 127.0.0.1; 0.0.0.0 or [::] for every address)',
  },
  // Not an array option: yargs would take the interface after "--by port" as a second value. Repeats still collect.
  by: {
    type: 'string',
    value: 'port|host|process|user|cgroup',
    defaultDescription: 'protocol',
    describe:
      'split IP counters by port (TCP, UDP, UDP-Lite, SCTP service port) or host (the other end); both (repeat it, or port,host): the conversation view; ' +
      'or by the local socket\'s owner: process (pid, command, uid), user or cgroup, one of them, alone or with port and/or host (see docs/attribution.md)',
  },
  'max-entries': {
    numeric: true,
    value: 'keys',
    defaultDescription: String(DEFAULT_MAX_ENTRIES),
    describe: `keys the kernel keeps for --by (1 to ${MAX_MAX_ENTRIES}; one table for all interfaces with -i any); frames of new keys past it are counted as "other" of their interface`,
  },
  'max-series': {
    numeric: true,
    value: 'n',
    defaultDescription: String(DEFAULT_MAX_SERIES),
    describe: `with --by and --metrics: port/host keys with a series of their own, across all devices (1 to ${MAX_MAX_SERIES}); the rest count as "other"`,
  },
  'series-idle': {
    numeric: true,
    value: 'seconds',
    defaultDescription: String(DEFAULT_SERIES_IDLE_SECONDS),
    describe: 'with --by and --metrics: seconds without traffic before a key gives its series up to a busier one (and a gone interface loses its series)',
  },
  cgroup2: {
    type: 'string',
    value: 'path',
    defaultDescription: 'found in /proc/self/mounts',
    describe:
      'with --by process, user or cgroup: the cgroup v2 root to attach at and name cgroups under, e.g. the node\'s /sys/fs/cgroup mounted into a container ' +
      '(whose own is a namespaced view); refused for anything but the root of a cgroup v2 mount, and without those --by',
  },
  'runtime-metrics': { type: 'boolean', default: false, describe: "with --metrics: add Node.js's runtime metrics (heap, event-loop delay) to the process metrics" },
  'exit-when-gone': {
    type: 'boolean',
    default: false,
    describe: 'exit (code 4) once no interface named is left to count on (default: wait until one is back)',
  },
  'keep-privileges': { type: 'boolean', default: false, describe: 'stay root after attaching (default: drop to the sudo user or nobody)' },
  object: { type: 'string', value: 'file', describe: 'load this compiled filter instead of the bundled one' },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: "show libbpf's log and full errors" },
  help: { alias: 'h', type: 'boolean', describe: 'show this help' },
};

/** What completion offers after an option that takes one of a known set of values. */
const VALUE_COMPLETIONS: Readonly<Record<string, (system: CliSystem) => string[]>> = {
  interface: (system) => [ANY_INTERFACE, ...system.interfaceNames()],
  by: () => [...BY_WORDS, 'port,host'],
};

/** The long name of the option a word is ("-i" and "--interface": "interface"); undefined if it is none. */
function optionNamed(word: string | undefined): string | undefined {
  const long = /^--([a-z-]+)$/.exec(word ?? '')?.[1];
  if (long !== undefined) return long in OPTIONS ? long : undefined;
  const short = /^-([a-zA-Z])$/.exec(word ?? '')?.[1];
  return short === undefined ? undefined : Object.keys(OPTIONS).find((name) => OPTIONS[name]?.alias === short);
}

/** The options as yargs should read them (forHelp: as --help should show them). */
function yargsOptions(forHelp: boolean): Record<string, YargsOption> {
  const result: Record<string, YargsOption> = {};
  for (const [name, { numeric, value: _value, ...option }] of Object.entries(OPTIONS)) {
    // Every option but --interface and booleans needs a value: "-n" alone is an error, not the default.
    const requiresArg = option.type !== 'boolean' && !option.array;
    result[name] = { ...option, type: numeric ? (forHelp ? 'number' : 'string') : option.type, requiresArg };
  }
  return result;
}

/** yargs' own completion (commands and options), handed to ours to filter and add to. */
type CompletionFilter = (onCompleted: (error: Error | null, words: string[] | undefined) => void) => void;

function buildParser(argv: string[], forHelp: boolean, system: CliSystem): Argv {
  return yargs(argv)
    .scriptName('sockex')
    // yargs' messages are translated by usage-errors.ts, so they must come in one language.
    .locale('en')
    .usage(['Usage: $0 [interface...] [options]', 'or:    $0 demo [options]', 'or:    $0 completion', '', SUMMARY, '', ...DESCRIPTION].join('\n'))
    .command('$0 [interfaces..]', 'count live traffic until interrupted (or --count samples)', (y) =>
      y.positional('interfaces', { type: 'string', array: true, describe: 'interface names, as with -i' }),
    )
    .command('demo', "attach to lo, ping localhost five times, show the counts (the kernel sample's demo)")
    .completion('completion', 'print a bash completion script (sockex completion >> ~/.bashrc)', (current: string, _argv: unknown, completionFilter: CompletionFilter, done: (words: string[]) => void) => {
      // argv is "--get-yargs-completions sockex ... current": the word before the current one may be an option awaiting its value.
      const option = optionNamed(argv.at(-2));
      if (option !== undefined && OPTIONS[option]?.type !== 'boolean') {
        // A value goes here: what the option takes, or nothing (bash then offers file names).
        done(VALUE_COMPLETIONS[option]?.(system) ?? []);
        return;
      }
      completionFilter((_error, words = []) => {
        // yargs also offers its default command ("$0") and one-letter aliases as "--i": neither is typed so.
        const offered = words.filter((word) => word !== '$0' && !/^--.$/.test(word));
        done(current.startsWith('-') ? offered : [...offered, ANY_INTERFACE, ...system.interfaceNames()]);
      });
    })
    // Our own --help: the help shown must come from the parser that types numbers as numbers.
    .help(false)
    .options(yargsOptions(forHelp))
    .strictOptions()
    .version(VERSION)
    .alias('version', 'V')
    .describe('version', 'show the version')
    .epilogue(helpEpilogue())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw yargsFailure(error?.message ?? message, Object.keys(OPTIONS));
    });
}

/** The text of --help. */
export async function helpText(): Promise<string> {
  return await buildParser([], true, LIVE_SYSTEM).getHelp();
}

/**
 * Parse argv (without node and script). Throws SockexError('usage') on bad
 * input; returns undefined when the command line was answered already
 * (--help, --version, completion).
 */
export async function parseCli(argv: string[], system: CliSystem = LIVE_SYSTEM): Promise<Options | undefined> {
  const args = await buildParser(argv, false, system).parseAsync();
  if (args.help === true) {
    process.stdout.write(`${await helpText()}\n`);
    return undefined;
  }
  if (args.version === true || args['get-yargs-completions'] !== undefined) return undefined;
  const words = args._.map(String);
  const demo = words[0] === 'demo';
  // Bare words are interface names, those after "--" too (yargs leaves those in `_`).
  const bare = [...((args.interfaces as unknown[] | undefined) ?? []), ...(demo ? [] : words)].map(String);
  // yargs printed the completion script; its default command also took the word for an interface.
  if (bare[0] === 'completion') return undefined;
  if (demo && words.length > 1) throw usageError(`demo takes no other words, got "${printable(words.slice(1).join(' '))}"`);

  for (const name of SINGLE_VALUE) {
    const value: unknown = args[name];
    if (Array.isArray(value)) throw usageError(`--${name} was given ${value.length} times (${value.map((v) => printable(String(v))).join(', ')}): give it once`);
  }
  const given = (args.interface as unknown[] | undefined) ?? [];
  // "-i" alone gives no name, "--no-interface" gives false: neither names an interface.
  if (args.interface !== undefined && (given.length === 0 || given.some((name) => typeof name !== 'string'))) {
    throw usageError('--interface needs a name, e.g. --interface eth0');
  }
  const named = [...bare, ...given.map(String)];
  for (const word of bare) {
    const meant = closest(word, COMMAND_WORDS);
    if (meant !== undefined && !system.interfaceNames().includes(word)) {
      throw usageError(`no interface or command "${printable(word)}" here; did you mean "sockex ${meant}"?`);
    }
  }

  let interfacesFrom: Options['interfacesFrom'] = 'command line';
  let interfaces = [...new Set(named)];
  if (interfaces.length === 0) {
    const routed = demo ? undefined : system.defaultRouteInterface();
    interfaces = [routed ?? FALLBACK_INTERFACE];
    interfacesFrom = demo ? 'demo' : routed !== undefined ? 'default route' : 'no default route';
  }
  for (const name of interfaces) {
    if (name === ANY_INTERFACE) continue;
    const invalid = invalidInterfaceName(name);
    if (invalid) throw usageError(`"${printable(name)}" is not a valid interface name: ${invalid}`);
  }
  if (interfaces.includes(ANY_INTERFACE) && interfaces.length > 1) {
    throw usageError('--interface any already counts every interface: give it alone');
  }
  if (demo && (interfaces.length !== 1 || interfaces[0] !== FALLBACK_INTERFACE)) {
    throw usageError('the demo pings localhost, so it runs on lo only: drop --interface');
  }
  const by = parseBy(args.by as string | string[] | undefined);
  if (args['max-entries'] !== undefined && by.length === 0) {
    throw usageError('--max-entries sizes the --by table: add --by port or --by host');
  }
  for (const name of ['max-series', 'series-idle'] as const) {
    if (args[name] !== undefined && (by.length === 0 || args.metrics === undefined)) {
      throw usageError(`--${name} shapes the breakdown's Prometheus series: add --by port (or host) and --metrics 9469`);
    }
  }
  const cgroup2 = args.cgroup2 === undefined ? undefined : parseCgroup2(args.cgroup2 as string, by);
  if (args['runtime-metrics'] === true && args.metrics === undefined) {
    throw usageError('--runtime-metrics adds to the Prometheus metrics: add --metrics 9469');
  }
  const quiet = args.quiet === true || args.tui === false;
  if (args.json === true && args.plain === true) {
    throw usageError('--json and --plain are two outputs: give one (--json: a JSON object per sample; --plain: the kernel sample\'s line)');
  }
  if (quiet && args.json !== true && args.plain !== true && args.metrics === undefined) {
    throw usageError('--quiet alone shows nothing: it silences the dashboard and status lines of a run that serves --metrics or prints --json or --plain; add one');
  }
  return {
    command: demo ? 'demo' : 'count',
    interfaces,
    interfacesFrom,
    interval: parseInterval(args.interval as string | number | undefined),
    count: args.count === undefined ? undefined : parseCount(args.count as string | number),
    json: args.json === true,
    plain: args.plain === true,
    quiet,
    verbose: args.verbose === true,
    objectPath: args.object === undefined ? undefined : String(args.object as unknown),
    keepPrivileges: args['keep-privileges'] === true,
    exitWhenGone: args['exit-when-gone'] === true,
    metrics: args.metrics === undefined ? undefined : parseMetricsAddress(args.metrics as string),
    by,
    maxEntries: args['max-entries'] === undefined ? DEFAULT_MAX_ENTRIES : parseMaxEntries(args['max-entries'] as string),
    maxSeries: args['max-series'] === undefined ? DEFAULT_MAX_SERIES : parseMaxSeries(args['max-series'] as string),
    seriesIdle: args['series-idle'] === undefined ? DEFAULT_SERIES_IDLE_SECONDS : parseSeriesIdle(args['series-idle'] as string),
    runtimeMetrics: args['runtime-metrics'] === true,
    cgroup2,
  };
}

/** --cgroup2 PATH: only with an owner --by, and only the root of a cgroup v2 mount. */
function parseCgroup2(text: string, by: readonly BreakdownBy[]): string {
  const path = String(text);
  if (!by.some(isOwnerKind)) {
    throw usageError('--cgroup2 names where the owner hooks attach: add --by process, user or cgroup');
  }
  const problem = cgroup2RootProblem(path);
  if (problem !== undefined) {
    throw usageError(`--cgroup2 "${printable(path)}" ${problem}: name the cgroup v2 root, e.g. --cgroup2 /sys/fs/cgroup (see /proc/self/mounts)`);
  }
  return path;
}

/** What --by takes: protocol (the default, always counted) and the ways of splitting. */
const BY_WORDS: readonly string[] = ['protocol', ...BREAKDOWN_KINDS];

/** "--by port --by host", "--by port,host", "--by protocol" -> what to split by, in a fixed order (protocol is always counted). */
export function parseBy(values: string | readonly string[] | undefined): BreakdownBy[] {
  const asked = new Set<string>();
  for (const value of [values ?? []].flat()) {
    for (const word of String(value).split(',')) {
      const name = word.trim().toLowerCase();
      if (!BY_WORDS.includes(name)) {
        const meant = closest(name, BY_WORDS);
        throw usageError(
          `--by takes protocol, port, host, process, user or cgroup (or port,host), not "${printable(word)}"${meant ? `; did you mean --by ${meant}?` : ''}`,
        );
      }
      asked.add(name);
    }
  }
  const by = BREAKDOWN_KINDS.filter((kind) => asked.has(kind));
  const owners = by.filter(isOwnerKind);
  if (owners.length > 1) {
    throw usageError(`--by splits by one owner at a time, not ${owners.join(' and ')}: pick one of process, user or cgroup (with port and/or host if you like)`);
  }
  return by;
}

/** A whole number from 1 to max given to an option, or a usage error that shows one. */
function wholeNumber(option: string, text: string | number, max: number, example: number): number {
  const raw = String(text).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw usageError(`${option} must be a whole number from 1 to ${max}, e.g. ${option} ${example} (got "${printable(raw)}")`);
  }
  return value;
}

export function parseMaxEntries(text: string | number): number {
  return wholeNumber('--max-entries', text, MAX_MAX_ENTRIES, 16384);
}

export function parseMaxSeries(text: string | number): number {
  return wholeNumber('--max-series', text, MAX_MAX_SERIES, 500);
}

export function parseSeriesIdle(text: string | number): number {
  const raw = String(text).trim();
  const value = Number(raw);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(raw) || !Number.isFinite(value) || value < MIN_INTERVAL || value > MAX_SERIES_IDLE) {
    throw usageError(`--series-idle must be a number of seconds from ${MIN_INTERVAL} to ${MAX_SERIES_IDLE}, e.g. --series-idle 600 (got "${printable(raw)}")`);
  }
  return value;
}

export function parseInterval(text: string | number | undefined): number {
  const raw = String(text ?? '').trim();
  const value = typeof text === 'number' ? text : Number(raw);
  // Plain decimals only: Number() would also take "0x10" or "1e1" as seconds.
  if (!/^(\d+\.?\d*|\.\d+)$/.test(raw) || !Number.isFinite(value) || value < MIN_INTERVAL || value > MAX_INTERVAL) {
    throw usageError(`--interval must be a number of seconds from ${MIN_INTERVAL} to ${MAX_INTERVAL}, e.g. --interval 0.5 (got "${printable(String(text))}")`);
  }
  return value;
}

export function parseCount(text: string | number): number {
  const raw = String(text).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw usageError(`--count must be a whole number of samples, 1 or more, e.g. --count 5 (got "${printable(raw)}")`);
  }
  return value;
}

/**
 * "[host:]port" -> where to listen. IPv6 addresses go in brackets ([::1]:9469).
 * A bare port listens on 127.0.0.1 only; every address must be named (0.0.0.0,
 * or [::] for IPv6 and IPv4), so an empty host is refused rather than guessed.
 */
export function parseMetricsAddress(text: string | number): ListenAddress {
  const raw = String(text).trim();
  const usage = (why: string): SockexError =>
    usageError(
      `--metrics ${why}: give [host:]port, e.g. --metrics 9469, --metrics 127.0.0.1:9469, or --metrics 0.0.0.0:9469 for every address (got "${printable(raw)}")`,
    );
  let host = DEFAULT_METRICS_HOST;
  let portText = raw;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(raw);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (!isIPv6(host)) throw usage(`"[${host}]" is not an IPv6 address`);
  } else if (raw.includes(':')) {
    const colon = raw.lastIndexOf(':');
    host = raw.slice(0, colon);
    portText = raw.slice(colon + 1);
    if (host === '') throw usage('needs a host before ":" (every address must be asked for by name)');
    if (host.includes(':')) throw usage('needs an IPv6 address in brackets, e.g. [::1]:9469');
    if (!isIPv4(host) && !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
      throw usage(`"${host}" is not an IP address or host name`);
    }
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw usage('needs a port from 1 to 65535');
  return { host, port };
}
