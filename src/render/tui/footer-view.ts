/**
 * The footer: the keys and their current settings. Short of room, the
 * settings go first, then whole keys (quit and help stay longest), never half a word.
 */
import { RATE_WINDOW_SECONDS } from '../../model/rate-history.js';
import { unitModeLabel } from '../units.js';
import type { DashboardState } from './dashboard-state.js';
import { packPieces, type Piece } from './fit-text.js';
import type { Line } from './screen-lines.js';

export function footerLine(state: DashboardState, width: number): Line {
  // After a reset, bytes and packets sort by the counts since start, so rows keep their places.
  const sortSetting = state.baseline && (state.sort === 'bytes' || state.sort === 'packets') ? `${state.sort} since start` : state.sort;
  // The rate is an average: the footer says over how long, where there is room.
  const sortDetail = state.sort === 'rate' ? ` ${RATE_WINDOW_SECONDS} s avg` : '';
  // [key, what it does, its current setting, how long it stays (0 longest), more about the setting]
  const keys: [string, string, string, number, string?][] = [
    ['q', 'quit', '', 0],
    ['p', state.paused ? 'resume' : 'pause', '', 2],
    ['r', 'reset', '', 4],
    ['s', 'sort', `:${sortSetting}`, 5, sortDetail],
    ['u', 'units', `:${unitModeLabel(state.units)}`, 6],
    ['e', 'exact', `:${state.exact ? 'on' : 'off'}`, 7],
    // Only where there is another view to switch to (--by); it outlasts r, s, u and e, being the way to the breakdown.
    ...(state.latest?.snapshot.breakdown ? [['b', 'view', `:${state.view}`, 3] satisfies [string, string, string, number]] : []),
    ['?', state.help ? 'close help' : 'help', '', 1],
  ];
  // Each setting goes before any key does, the sort's last (the view's is in the table's heading and title),
  // its detail a little before; among keys, the highest number goes first.
  const settingPriority = (key: string, priority: number): number => keys.length + (key === 's' ? 1.5 : priority);
  const pieces: Piece[] = keys.flatMap(([key, label, setting, priority, detail = ''], i): Piece[] => [
    {
      segments: [
        { text: `${i === 0 ? '' : '  '}${key}`, tone: 'key' },
        { text: ` ${label}`, tone: 'plain' },
      ],
      priority,
    },
    { segments: [{ text: setting, tone: 'plain' }], priority: settingPriority(key, priority) },
    { segments: [{ text: detail, tone: 'plain' }], priority: keys.length + priority + 0.5 },
  ]);
  return packPieces(pieces, width);
}
