/**
 * The header: what is counted, whether the view is live, which interfaces
 * are not counting and why, owners lost to a full owner table, where
 * metrics are served, for how long. At any width LIVE/PAUSED and the
 * interface names are what stays longest.
 */
import type { InterfaceState } from '../../model/interface-events.js';
import { ownersLostNote } from '../../model/owners-lost.js';
import { formatDuration, formatInterval } from '../units.js';
import type { DashboardState } from './dashboard-state.js';
import { packPieces, type Piece } from './fit-text.js';
import type { Line } from './screen-lines.js';
import { printable } from '../../errors.js';

const STATE_WORDS: Readonly<Record<Exclude<InterfaceState, 'lost'>, string>> = {
  down: 'down',
  'no-carrier': 'no carrier',
};

/** "http://127.0.0.1:9469/metrics" -> "127.0.0.1:9469": the scheme and path are always the same. */
function metricsAddress(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/metrics$/, '');
}

/** The names as a list, or as a count when the list is longer than `room`. */
function interfaceNames(names: readonly string[], room: number): string {
  const list = names.map(printable).join(', ');
  return list.length <= room || names.length === 1 ? list : `${names.length} interfaces`;
}

export function headerLines(state: DashboardState, width: number): Line[] {
  const latest = state.latest;
  const names = latest?.snapshot.interfaces ?? [];
  const status = latest?.status;
  const liveWord = state.paused ? ' PAUSED ' : ' LIVE ';
  // The names may use what LIVE/PAUSED and the separators leave.
  const namesText = interfaceNames(names, width - liveWord.length - 4);

  const pieces: Piece[] = [{ segments: [{ text: 'sockex  ', tone: 'title' }], priority: 4 }];
  pieces.push({ segments: [{ text: namesText, tone: 'plain' }], priority: 0 });
  const states = [...(status?.interfaceStates ?? new Map<string, InterfaceState>())];
  if (states.length > 0) {
    // A lost interface is bound again as soon as it is back: sockex waits for it.
    const text = states.map(([name, why]) => (why === 'lost' ? `waiting for ${printable(name)}` : `${printable(name)} ${STATE_WORDS[why]}`)).join(', ');
    pieces.push({ segments: [{ text: '  ', tone: 'plain' }, { text: ` ${text} `, tone: 'alert' }], priority: 1 });
  }
  const lost = ownersLostNote(latest?.snapshot.breakdown?.ownersLost);
  if (lost) pieces.push({ segments: [{ text: '  ', tone: 'plain' }, { text: ` ${lost} `, tone: 'alert' }], priority: 1 });
  if (status?.metricsUrl) pieces.push({ segments: [{ text: `  metrics ${metricsAddress(status.metricsUrl)}`, tone: 'plain' }], priority: 2 });
  if (latest) {
    pieces.push({ segments: [{ text: `  elapsed ${formatDuration(latest.snapshot.elapsed)}`, tone: 'plain' }], priority: 3 });
    if (state.baseline) pieces.push({ segments: [{ text: `  reset ${formatDuration(latest.snapshot.elapsed - state.baseline.elapsed)} ago`, tone: 'plain' }], priority: 5 });
    pieces.push({ segments: [{ text: `  interval ${formatInterval(latest.status.interval)}`, tone: 'plain' }], priority: 6 });
  }
  pieces.push({ segments: [{ text: '  ', tone: 'plain' }, { text: liveWord, tone: state.paused ? 'paused' : 'live' }], priority: 0 });
  if (state.paused && state.shown) {
    pieces.push({ segments: [{ text: ` at ${formatDuration(state.shown.snapshot.elapsed)}`, tone: 'plain' }], priority: 3 });
    pieces.push({ segments: [{ text: ', counting goes on', tone: 'plain' }], priority: 7 });
  }
  const lines: Line[] = [packPieces(pieces, width)];

  const demo = status?.demo;
  if (demo) {
    const replies = `${demo.received} of ${demo.transmitted} ${demo.transmitted === 1 ? 'reply' : 'replies'} back`;
    lines.push(
      packPieces(
        [
          { segments: [{ text: 'demo: ', tone: 'title' }], priority: 2 },
          { segments: [{ text: demo.running ? 'ping localhost running' : 'ping localhost finished', tone: 'plain' }], priority: 0 },
          { segments: [{ text: `, ${replies}`, tone: 'plain' }], priority: 1 },
          { segments: [{ text: demo.running ? '' : '; q quits', tone: 'plain' }], priority: 3 },
        ],
        width,
      ),
    );
  }
  return lines;
}
