/**
 * Which output a run prints, decided before anything is attached: the
 * dashboard for a person at a terminal, else JSON or the kernel sample's line.
 * That line is bytes sent per protocol and has no ports or hosts, so --by
 * with it is refused rather than dropped without a word.
 */
import { usageError } from './usage-errors.js';

export type Output = 'dashboard' | 'json' | 'lines' | 'none';

export interface OutputOptions {
  readonly json: boolean;
  readonly plain: boolean;
  readonly quiet: boolean;
  readonly by: readonly string[];
}

/** stdout: whether it is a terminal, and $TERM. */
export function chooseOutput(options: OutputOptions, stdout: { isTTY: boolean; term: string | undefined }): Output {
  if (options.json) return 'json';
  // A dumb terminal cannot move its cursor: lines there.
  if (stdout.isTTY && stdout.term !== 'dumb' && !options.plain && !options.quiet) return 'dashboard';
  // --quiet prints only what was asked for by name.
  if (options.quiet && !options.plain) return 'none';
  if (options.by.length > 0) {
    const why = options.plain ? '--plain' : stdout.isTTY ? 'TERM=dumb' : 'stdout is not a terminal';
    throw usageError(`--by needs --json or the dashboard: the line output (${why}) is the kernel sample's line, bytes sent per protocol, with no ports or hosts`);
  }
  return 'lines';
}
