/**
 * The words of `sockex --help` that are not yargs' own: what sockex is,
 * how a bare word is read, the examples and the exit codes. The man page
 * (man-page.ts) is made from the same text, so the two never disagree.
 */
import { ExitCode } from '../errors.js';

/** The words that are commands, not interface names ("sockex demo"). */
export const COMMAND_WORDS = ['demo', 'completion'] as const;

export const SUMMARY = 'Count the bytes and packets of every protocol on network interfaces with an eBPF socket filter.';

/** Paragraphs after the summary, each one sentence. */
export const DESCRIPTION: readonly string[] = [
  'A bare word names an interface, as with nload: sockex eth0 is sockex -i eth0.',
  'With no interface: the one carrying the default route (IPv4, then IPv6) in this network namespace, else lo.',
  `A word that is also a command (${COMMAND_WORDS.join(', ')}) is taken as the command: for an interface of that name use -i.`,
  'On a terminal sockex shows a live dashboard (? lists its keys); piped, or with --plain, it prints the kernel sample\'s line per sample: the bytes TCP, UDP and ICMP sent since attach (tx only, on purpose: the sample counts so; --json has every counter both ways).',
  'With --count N, each of the N samples closes an interval, so -c 1 answers with one interval\'s traffic; without it the first sample comes at once.',
  'Each of --interval, --count, --metrics, --max-entries and --object is taken once: given twice, sockex refuses rather than guess.',
];

export interface Example {
  readonly command: string;
  readonly what: string;
}

/** Each fits one 80-column line with its comment. */
export const EXAMPLES: readonly Example[] = [
  { command: 'sockex eth0', what: 'live dashboard of eth0' },
  { command: 'sockex -i any -c 1 --json | jq .counters', what: 'every interface as JSON, into jq' },
  { command: 'sockex eth0 --by port,host', what: 'by service port and peer address' },
  { command: 'sockex -q -i any --metrics 9469', what: 'Prometheus service (examples/)' },
  { command: 'sockex demo', what: 'ping localhost, counting on lo' },
];

/** What each exit status means; typed by ExitCode so a new code cannot go unexplained. */
const EXIT_CODES: Readonly<Record<keyof typeof ExitCode, string>> = {
  ok: 'done: Ctrl-C, q, --count reached, or --help',
  internal: 'an unexpected error (run with --verbose)',
  usage: 'a bad command line or option value',
  permission: 'not allowed: run as root or with CAP_BPF and CAP_NET_RAW',
  interface: 'no such interface, or every interface went away (--exit-when-gone)',
  object: 'the compiled filter is missing or not valid',
  verifier: "the kernel's verifier rejected the filter",
  libbpf: 'libbpf.so.1 is missing or too old',
  metrics: 'the --metrics address cannot be served',
  io: 'a system call failed',
  output: 'writing stdout failed (not a closed pipe): the output is incomplete',
  descriptors: 'out of file descriptors: raise the hard limit (ulimit -Hn)',
  cgroup: 'no cgroup v2 mount, which --by process/user/cgroup need (name one with --cgroup2)',
};

/** The exit codes in numeric order, as [status, meaning]. */
export function exitCodeLines(): [number, string][] {
  return (Object.keys(EXIT_CODES) as (keyof typeof ExitCode)[]).map((name): [number, string] => [ExitCode[name], EXIT_CODES[name]]).sort((a, b) => a[0] - b[0]);
}

/** The end of --help: examples, then exit codes, one line each. */
export function helpEpilogue(): string {
  const width = Math.max(...EXAMPLES.map((e) => e.command.length));
  return [
    'Examples:',
    ...EXAMPLES.map((e) => `  ${e.command.padEnd(width)}  # ${e.what}`),
    '',
    'Exit codes:',
    ...exitCodeLines().map(([status, meaning]) => `  ${String(status).padStart(2)}  ${meaning}`),
  ].join('\n');
}
