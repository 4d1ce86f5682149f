/**
 * What the dashboard's views produce: lines of text segments, each tagged
 * with a tone (tones.ts maps tones to colours, or to nothing).
 */

/** How a piece of text should look. */
export type Tone = 'plain' | 'title' | 'heading' | 'section' | 'total' | 'spark' | 'live' | 'paused' | 'note' | 'key' | 'alert';

export interface Segment {
  readonly text: string;
  readonly tone: Tone;
}

export type Line = readonly Segment[];

export interface ScreenSize {
  readonly width: number;
  readonly height: number;
  /** The terminal shows UTF-8 (block characters for sparklines and rules). */
  readonly unicode: boolean;
}

/** Fit segments into exactly `width` columns: cut what overflows, pad the rest. */
export function fitLine(line: Line, width: number): Line {
  const out: Segment[] = [];
  let used = 0;
  for (const segment of line) {
    if (used >= width) break;
    const text = segment.text.slice(0, width - used);
    if (text !== '') out.push({ text, tone: segment.tone });
    used += text.length;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), tone: 'plain' });
  return out;
}

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

export function lineWidth(line: Line): number {
  return lineText(line).length;
}
