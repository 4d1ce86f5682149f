/**
 * What the terminal can show, from the environment alone, and how each tone
 * of the view model becomes blessed tags. Colours are the eight basic ones on
 * their default backgrounds or as black on a coloured block, so they read on
 * dark and on light themes alike.
 */
import type { Line, Tone } from './screen-lines.js';

/** colour: full; mono: bold and inverse only (NO_COLOR); none: plain text (TERM=dumb). */
export type ColourSupport = 'colour' | 'mono' | 'none';

export function colourSupport(env: NodeJS.ProcessEnv): ColourSupport {
  if (env.TERM === 'dumb') return 'none';
  // https://no-color.org: set and not empty means no colour; emphasis is still fine.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'mono';
  return 'colour';
}

/** The locale says UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set decides, as in C). */
export function unicodeSupport(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

const colourTags: Record<Tone, string> = {
  plain: '',
  title: '{bold}',
  heading: '{bold}',
  section: '{bold}',
  total: '{bold}',
  spark: '{green-fg}',
  live: '{black-fg}{green-bg}',
  paused: '{black-fg}{yellow-bg}',
  note: '{magenta-fg}',
  key: '{bold}',
  alert: '{black-fg}{red-bg}',
};

const monoTags: Record<Tone, string> = {
  plain: '',
  title: '{bold}',
  heading: '{bold}',
  section: '{bold}',
  total: '{bold}',
  spark: '',
  live: '{inverse}',
  paused: '{inverse}',
  note: '{bold}',
  key: '{bold}',
  alert: '{inverse}',
};

/** Braces are blessed's tag syntax: literal ones must be escaped. */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (brace) => (brace === '{' ? '{open}' : '{close}'));
}

/** One line as blessed content: tagged for colour/mono, plain text for none. */
export function toTagged(line: Line, support: ColourSupport): string {
  if (support === 'none') return line.map((s) => s.text).join('');
  const tags = support === 'colour' ? colourTags : monoTags;
  return line
    .map((s) => {
      const open = tags[s.tone];
      return open === '' ? escapeTags(s.text) : `${open}${escapeTags(s.text)}{/}`;
    })
    .join('');
}
