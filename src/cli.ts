/**
 * The command line: yargs turns argv into typed, validated options. Nothing
 * else happens here; a bad value becomes a usage error with the fix in it.
 */
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import yargs from 'yargs';
import { SockexError } from './errors.js';
import { BREAKDOWN_KINDS, DEFAULT_MAX_ENTRIES, MAX_MAX_ENTRIES, type BreakdownBy } from './model/breakdown.js';
import { ANY_INTERFACE, invalidInterfaceName } from './kernel/interfaces.js';

export interface Options {
  command: 'count' | 'demo';
  /** Interface names, in the order given, without repeats. */
  interfaces: string[];
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
  /** Where to serve Prometheus metrics (--metrics [host:]port); undefined: nowhere. */
  metrics: MetricsAddress | undefined;
  /** Split IP counters by port and/or host (--by); empty: by protocol only, today's filter. */
  by: BreakdownBy[];
  /** The kernel's breakdown table size (--max-entries). */
  maxEntries: number;
}

export interface MetricsAddress {
  /** An IPv4 address, an IPv6 address (without brackets) or a host name. */
  host: string;
  port: number;
}

/** Metrics stay on this host unless another address is asked for. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** The longest interval that still makes sense for a live counter: one day. */
export const MAX_INTERVAL = 86400;
/** Below this the sampling itself would cost more than it shows. */
export const MIN_INTERVAL = 0.01;

// The package's own version, from the one place it is written.
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * Parse argv (without node and script). Throws SockexError('usage') on bad
 * input; returns undefined when yargs already answered (--help, --version).
 */
export async function parseCli(argv: string[]): Promise<Options | undefined> {
  const parser = yargs(argv)
    .scriptName('sockex')
    .usage('$0 [demo] [options]\n\nCount the bytes and packets of every protocol on an interface with an eBPF socket filter.')
    .command('$0', 'count live traffic until interrupted (or --count samples)')
    .command('demo', 'attach to lo, ping localhost five times, show the counts (the kernel sample\'s demo)')
    .option('interface', {
      alias: 'i',
      type: 'string',
      array: true,
      // No yargs default: it would also stand in for a bare "-i" with no name.
      defaultDescription: 'lo',
      describe: 'interface to count on; repeat for several, or "any" for all',
    })
    .option('interval', { alias: 'n', type: 'string', default: '1', requiresArg: true, describe: 'seconds between samples (fractions allowed)' })
    .option('count', { alias: 'c', type: 'string', requiresArg: true, describe: 'stop after this many samples, the first taken at once (default: until Ctrl-C)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object per sample (NDJSON)' })
    .option('plain', { type: 'boolean', default: false, describe: 'print lines even on a terminal (no dashboard)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no dashboard and no status lines; --json and --plain still print (with --metrics: run as a service)' })
    .option('tui', { type: 'boolean', default: true, hidden: true, describe: '--no-tui is the same as --quiet' })
    .option('metrics', { type: 'string', requiresArg: true, describe: 'serve Prometheus metrics on [host:]port (host defaults to 127.0.0.1; 0.0.0.0 or [::] for every address)' })
    .option('by', {
      type: 'string',
      array: true,
      requiresArg: true,
      defaultDescription: 'protocol',
      describe: 'split IP counters by port (TCP, UDP, UDP-Lite, SCTP service port) or host (the other end); "port,host" or both flags: the conversation view',
    })
    .option('max-entries', {
      type: 'string',
      requiresArg: true,
      defaultDescription: String(DEFAULT_MAX_ENTRIES),
      describe: 'keys the kernel keeps for --by; frames of new keys past it are counted as "other"',
    })
    .option('keep-privileges', { type: 'boolean', default: false, describe: 'stay root after attaching (default: drop to the sudo user or nobody)' })
    .option('object', { type: 'string', requiresArg: true, describe: 'load this compiled filter instead of the bundled one' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: "show libbpf's log and full errors" })
    .strict()
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw new SockexError('usage', `${error?.message ?? message} (see sockex --help)`);
    });

  const args = await parser.parseAsync();
  if (args.help || args.version) return undefined;
  const command = args._[0];
  if (args._.length > 1 || (command !== undefined && command !== 'demo')) {
    throw new SockexError('usage', `unknown command "${args._.join(' ')}": use "sockex" or "sockex demo" (see sockex --help)`);
  }
  if (args.interface !== undefined && args.interface.length === 0) {
    throw new SockexError('usage', '--interface needs a name, e.g. --interface eth0 (see sockex --help)');
  }
  const interfaces = [...new Set((args.interface ?? ['lo']).map(String))];
  for (const name of interfaces) {
    if (name === ANY_INTERFACE) continue;
    const invalid = invalidInterfaceName(name);
    if (invalid) throw new SockexError('usage', `--interface "${name.replace(/[^\x20-\x7e]/g, '?')}" is not a valid interface name: ${invalid}`);
  }
  if (interfaces.includes(ANY_INTERFACE) && interfaces.length > 1) {
    throw new SockexError('usage', '--interface any already counts every interface: give it alone');
  }
  if (command === 'demo' && (interfaces.length !== 1 || interfaces[0] !== 'lo')) {
    throw new SockexError('usage', 'the demo pings localhost, so it runs on lo only: drop --interface');
  }
  const by = parseBy(args.by);
  if (by.length > 0 && interfaces.includes(ANY_INTERFACE)) {
    throw new SockexError('usage', '--by needs named interfaces: --interface any is not split by port or host; name the interfaces, e.g. -i eth0');
  }
  if (args['max-entries'] !== undefined && by.length === 0) {
    throw new SockexError('usage', '--max-entries sizes the --by table: add --by port or --by host');
  }
  return {
    command: command === 'demo' ? 'demo' : 'count',
    interfaces,
    interval: parseInterval(args.interval),
    count: args.count === undefined ? undefined : parseCount(args.count),
    json: args.json,
    plain: args.plain,
    quiet: args.quiet || !args.tui,
    verbose: args.verbose,
    objectPath: args.object,
    keepPrivileges: args['keep-privileges'],
    metrics: args.metrics === undefined ? undefined : parseMetricsAddress(args.metrics),
    by,
    maxEntries: args['max-entries'] === undefined ? DEFAULT_MAX_ENTRIES : parseMaxEntries(args['max-entries']),
  };
}

/** "--by port --by host", "--by port,host", "--by protocol" -> what to split by, in a fixed order (protocol is always counted). */
export function parseBy(values: readonly (string | number)[] | undefined): BreakdownBy[] {
  const asked = new Set<string>();
  for (const value of values ?? []) {
    for (const word of String(value).split(',')) {
      const name = word.trim().toLowerCase();
      if (name !== 'protocol' && !BREAKDOWN_KINDS.includes(name as BreakdownBy)) {
        throw new SockexError('usage', `--by takes protocol, port or host (or port,host), not "${word.replace(/[^\x20-\x7e]/g, '?')}"`);
      }
      asked.add(name);
    }
  }
  return BREAKDOWN_KINDS.filter((kind) => asked.has(kind));
}

export function parseMaxEntries(text: string | number): number {
  const raw = String(text).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > MAX_MAX_ENTRIES) {
    throw new SockexError('usage', `--max-entries must be a whole number from 1 to ${MAX_MAX_ENTRIES}, e.g. --max-entries 16384 (got "${raw.replace(/[^\x20-\x7e]/g, '?')}")`);
  }
  return value;
}

export function parseInterval(text: string | number | undefined): number {
  const raw = String(text ?? '').trim();
  const value = typeof text === 'number' ? text : Number(raw);
  // Plain decimals only: Number() would also take "0x10" or "1e1" as seconds.
  if (!/^(\d+\.?\d*|\.\d+)$/.test(raw) || !Number.isFinite(value) || value < MIN_INTERVAL || value > MAX_INTERVAL) {
    throw new SockexError('usage', `--interval must be a number of seconds from ${MIN_INTERVAL} to ${MAX_INTERVAL}, e.g. --interval 0.5 (got "${String(text)}")`);
  }
  return value;
}

export function parseCount(text: string | number): number {
  const raw = String(text).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new SockexError('usage', `--count must be a whole number of samples, 1 or more, e.g. --count 5 (got "${raw}")`);
  }
  return value;
}

/**
 * "[host:]port" -> where to listen. IPv6 addresses go in brackets ([::1]:9469).
 * A bare port listens on 127.0.0.1 only; every address must be named (0.0.0.0,
 * or [::] for IPv6 and IPv4), so an empty host is refused rather than guessed.
 */
export function parseMetricsAddress(text: string | number): MetricsAddress {
  const raw = String(text).trim();
  const usage = (why: string): SockexError =>
    new SockexError(
      'usage',
      `--metrics ${why}: give [host:]port, e.g. --metrics 9469, --metrics 127.0.0.1:9469, or --metrics 0.0.0.0:9469 for every address (got "${raw.replace(/[^\x20-\x7e]/g, '?')}")`,
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

