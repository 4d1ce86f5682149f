/**
 * sockex(1), made from the same text as --help (help-text.ts, the OPTIONS
 * table in cli.ts) and the dashboard's key list, so the page cannot drift
 * from the program. scripts/man.mjs writes it to man/sockex.1 at build time.
 */
import { OPTIONS, VERSION } from '../cli.js';
import { DASHBOARD_KEYS } from '../render/tui/help-view.js';
import { COMMAND_WORDS, DESCRIPTION, EXAMPLES, SUMMARY, exitCodeLines } from './help-text.js';

/** Text as roff shows it literally: backslashes escaped, hyphens as minus signs, no line taken for a request. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

function optionLines(): string[] {
  return Object.entries(OPTIONS)
    .filter(([, option]) => !option.hidden)
    .flatMap(([name, option]) => {
      const alias = typeof option.alias === 'string' ? `\\fB\\-${option.alias}\\fR, ` : '';
      const value = option.value ? ` \\fI${roff(option.value)}\\fR` : '';
      const fallback = option.defaultDescription ?? (option.type === 'boolean' || option.default === undefined ? undefined : String(option.default));
      return ['.TP', `${alias}\\fB\\-\\-${roff(name)}\\fR${value}`, `${roff(option.describe ?? '')}${fallback ? ` (default: ${roff(fallback)})` : ''}.`];
    });
}

export function manPage(): string {
  return [
    `.TH SOCKEX 1 "" "sockex ${VERSION}" "User Commands"`,
    '.SH NAME',
    `sockex \\- ${roff(SUMMARY.replace(/^Count/, 'count').replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.B sockex',
    '[\\fIinterface\\fR...] [\\fIoptions\\fR]',
    '.br',
    '.B sockex demo',
    '[\\fIoptions\\fR]',
    '.br',
    '.B sockex completion',
    '.SH DESCRIPTION',
    ...DESCRIPTION.flatMap((sentence) => ['.PP', roff(sentence)]),
    '.SH COMMANDS',
    '.TP',
    '.B demo',
    "Attach to lo, ping localhost five times and show the counts (the kernel sample's demo).",
    '.TP',
    '.B completion',
    'Print a bash completion script: \\fBsockex completion >> ~/.bashrc\\fR.',
    '.PP',
    `Only ${COMMAND_WORDS.join(' and ')} are commands; any other word is an interface name.`,
    '.SH OPTIONS',
    ...optionLines(),
    '.TP',
    '\\fB\\-V\\fR, \\fB\\-\\-version\\fR',
    'show the version.',
    '.SH KEYS',
    'In the dashboard:',
    ...DASHBOARD_KEYS.flatMap(([key, what]) => ['.TP', `.B ${roff(key)}`, roff(what)]),
    '.SH EXAMPLES',
    ...EXAMPLES.flatMap((e) => ['.TP', `.B ${roff(e.command)}`, roff(e.what)]),
    '.SH EXIT STATUS',
    ...exitCodeLines().flatMap(([status, meaning]) => ['.TP', `.B ${status}`, roff(meaning)]),
    '.SH FILES',
    '.TP',
    '.I examples/sockex.service',
    'A systemd unit that runs sockex as a Prometheus exporter with only CAP_BPF and CAP_NET_RAW.',
    '.SH SEE ALSO',
    '.BR ip (8),',
    '.BR bpf (2),',
    '.BR packet (7)',
    '',
  ].join('\n');
}
