/**
 * Usage errors in sockex's one style: "sockex: <what is wrong and what to
 * do> (see sockex --help)", one line. yargs' own sentences ("Not enough
 * arguments following: metrics") are put in those words here.
 */
import { SockexError, printable } from '../errors.js';
import { closest } from './closest.js';

const SEE_HELP = '(see sockex --help)';

export function usageError(message: string): SockexError {
  return new SockexError('usage', message.endsWith(SEE_HELP) ? message : `${message} ${SEE_HELP}`);
}

/** How an option is typed on the command line: -x for one letter, --name otherwise. */
function asTyped(key: string): string {
  return key.length === 1 ? `-${key}` : `--${key}`;
}

/** What to give after an option yargs found with no value. */
const VALUE_EXAMPLES: Readonly<Record<string, string>> = {
  interval: '--interval 0.5',
  n: '-n 0.5',
  count: '--count 5',
  c: '-c 5',
  metrics: '--metrics 9469',
  by: '--by port',
  'max-entries': '--max-entries 16384',
  object: '--object bpf/build/sockex.bpf.o',
};

/**
 * A yargs failure message as a sockex usage error. yargs runs with
 * locale('en'), so these patterns are the only wording it can use.
 * `optionNames`: the long options, for "did you mean".
 */
export function yargsFailure(message: string, optionNames: readonly string[]): SockexError {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const keys = (unknown[1] ?? '').split(', ');
    const first = keys[0] ?? '';
    const meant = first.length > 1 ? closest(first, optionNames) : undefined;
    const more = keys.length > 1 ? ` (and ${keys.slice(1).map(asTyped).join(', ')})` : '';
    return usageError(`unknown option ${printable(asTyped(first))}${more}${meant ? `; did you mean --${meant}?` : ''}`);
  }
  const noValue = /^Not enough arguments following: (.+)$/.exec(message);
  if (noValue) {
    const key = noValue[1] ?? '';
    const example = VALUE_EXAMPLES[key];
    return usageError(`${asTyped(key)} needs a value${example ? `, e.g. ${example}` : ''}`);
  }
  // Anything else yargs may say, kept to one line and marked as a usage error.
  return usageError(`the command line is not valid: ${printable(message.split('\n')[0] ?? '')}`);
}
