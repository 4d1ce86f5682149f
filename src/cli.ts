/**
 * The command line: yargs turns argv into typed, validated options. Nothing
 * else happens here; a bad value becomes a usage error with the fix in it.
 */
import yargs from 'yargs';
import { SockexError } from './errors.js';
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
  /** No dashboard and no status messages; with --metrics, runs as a service. */
  quiet: boolean;
  verbose: boolean;
  /** The compiled filter to load (for testing another build). */
  objectPath: string | undefined;
  /** Keep root after attaching instead of dropping to the invoking user. */
  keepPrivileges: boolean;
  /** "[host:]port" to serve Prometheus metrics on. */
  metrics: string | undefined;
}

/** The longest interval that still makes sense for a live counter: one day. */
export const MAX_INTERVAL = 86400;
/** Below this the sampling itself would cost more than it shows. */
export const MIN_INTERVAL = 0.01;

export const VERSION = '0.1.0';

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
    .option('count', { alias: 'c', type: 'string', requiresArg: true, describe: 'stop after this many samples (default: until Ctrl-C)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object per sample (NDJSON)' })
    .option('plain', { type: 'boolean', default: false, describe: 'print lines even on a terminal (no dashboard)' })
    .option('quiet', { alias: ['q', 'no-tui'], type: 'boolean', default: false, describe: 'no dashboard and no status messages' })
    .option('metrics', { type: 'string', requiresArg: true, describe: 'serve Prometheus metrics on [host:]port (host defaults to 127.0.0.1)' })
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
  return {
    command: command === 'demo' ? 'demo' : 'count',
    interfaces,
    interval: parseInterval(args.interval),
    count: args.count === undefined ? undefined : parseCount(args.count),
    json: args.json,
    plain: args.plain,
    quiet: args.quiet,
    verbose: args.verbose,
    objectPath: args.object,
    keepPrivileges: args['keep-privileges'],
    metrics: args.metrics,
  };
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
