/**
 * Fitting words to a width without cutting one in half: a piece of text
 * comes in several wordings, longest first, and the longest that fits is
 * used; pieces of a line have priorities, and the least important go first.
 */
import { lineWidth, type Line, type Segment } from './screen-lines.js';

/** The first wording that fits in `width` columns, else '' (a note is better gone than cut). */
export function firstThatFits(wordings: readonly string[], width: number): string {
  return wordings.find((w) => w.length <= width) ?? '';
}

/** A part of a line that may be left out when the line is short of room. */
export interface Piece {
  readonly segments: readonly Segment[];
  /** 0 is kept longest. */
  readonly priority: number;
}

/**
 * The pieces, in their order, without the least important ones until the
 * line fits in `width`. Pieces of equal priority go together.
 */
export function packPieces(pieces: readonly Piece[], width: number): Line {
  let kept = [...pieces];
  const line = (): Line => kept.flatMap((p) => p.segments);
  while (lineWidth(line()) > width && kept.length > 0) {
    const least = Math.max(...kept.map((p) => p.priority));
    kept = kept.filter((p) => p.priority !== least);
  }
  return line();
}

/** Text broken into lines of at most `width` columns at spaces; a word longer than that is cut only then. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
