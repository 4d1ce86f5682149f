/**
 * Everything the dashboard remembers between redraws, and how each key
 * changes it. Pure: no terminal, no clock; the blessed layer only feeds
 * snapshots and keys in and draws what view-model.ts makes of the result.
 */
import { breakdownId, type BreakdownBy } from '../../model/breakdown.js';
import { counterId } from '../../model/counters.js';
import { DEFAULT_HISTORY_LENGTH, RateHistory } from '../../model/rate-history.js';
import type { Snapshot } from '../../model/snapshot.js';
import type { RunStatus } from '../../model/run-status.js';
import { UNIT_MODES, type UnitMode } from '../units.js';

export type SortKey = 'bytes' | 'rate' | 'packets' | 'name';
/**
 * The order the `s` key cycles through; the first is the default: what is
 * busy now, as iftop, nethogs and bandwhich sort (averaged over
 * RATE_WINDOW_SECONDS, see rate-history.ts).
 */
const SORT_KEYS: readonly SortKey[] = ['rate', 'bytes', 'packets', 'name'];

/** The table on screen: the protocols, or a breakdown (--by) view. */
export type DashboardView = 'protocols' | 'ports' | 'hosts' | 'conversations' | 'processes' | 'users' | 'cgroups';

/** The view of each way of splitting. */
const VIEW_OF: Readonly<Record<BreakdownBy, DashboardView>> = { port: 'ports', host: 'hosts', process: 'processes', user: 'users', cgroup: 'cgroups' };

/** What the view key cycles through for a run split by `by` (--by port and host: the conversations too). */
export function viewsFor(by: readonly BreakdownBy[]): DashboardView[] {
  const conversations: DashboardView[] = by.includes('port') && by.includes('host') ? ['conversations'] : [];
  const split = (kinds: readonly BreakdownBy[]): DashboardView[] => kinds.filter((b) => by.includes(b)).map((b) => VIEW_OF[b]);
  return ['protocols', ...split(['port', 'host']), ...conversations, ...split(['process', 'user', 'cgroup'])];
}

/** One redraw's worth of data: a snapshot with the history and run status as they were then. */
export interface Frame {
  readonly snapshot: Snapshot;
  readonly history: RateHistory;
  readonly status: RunStatus;
}

/** The counts at the moment of a reset; the view subtracts them (the kernel keeps counting). */
export interface Baseline {
  /** Snapshot.elapsed when reset. */
  readonly elapsed: number;
  /** By counterId. */
  readonly counts: ReadonlyMap<string, { readonly bytes: bigint; readonly packets: bigint }>;
  /** The breakdown's counts (--by), by breakdownId. */
  readonly breakdown?: ReadonlyMap<string, { readonly bytes: bigint; readonly packets: bigint }>;
}

export interface DashboardState {
  /** The newest snapshot received. */
  readonly latest: Frame | undefined;
  /** The one the tables show: the newest, or the one on screen when paused. */
  readonly shown: Frame | undefined;
  readonly paused: boolean;
  readonly sort: SortKey;
  readonly units: UnitMode;
  /** Every digit instead of 1.2 MiB. */
  readonly exact: boolean;
  /** The key list is open. */
  readonly help: boolean;
  readonly baseline: Baseline | undefined;
  /** Samples of rate history kept for the sparklines. */
  readonly historyLength: number;
  /** The table shown: protocols, or a breakdown (--by) view. */
  readonly view: DashboardView;
}

export type Action = 'quit' | 'suspend' | 'pause' | 'reset' | 'sort' | 'units' | 'exact' | 'help' | 'dismiss' | 'view';

export function initialState(historyLength = DEFAULT_HISTORY_LENGTH): DashboardState {
  return {
    latest: undefined,
    shown: undefined,
    paused: false,
    sort: SORT_KEYS[0] ?? 'rate',
    units: UNIT_MODES[0] ?? { quantity: 'bytes', prefixes: 'iec' },
    exact: false,
    help: false,
    baseline: undefined,
    historyLength,
    view: 'protocols',
  };
}

/** Take in a new snapshot: the history always grows (counting goes on), the tables move only when live. */
export function withSnapshot(state: DashboardState, snapshot: Snapshot, status: RunStatus): DashboardState {
  const previous = state.latest?.history ?? RateHistory.empty(state.historyLength);
  const frame: Frame = {
    snapshot,
    history: previous.with(snapshot),
    // RunStatus is immutable: a new object whenever something changes.
    status,
  };
  return { ...state, latest: frame, shown: state.paused ? state.shown : frame };
}

/** The action a key stands for (names as blessed reports them), or undefined. */
export function actionForKey(name: string | undefined, ctrl = false): Action | undefined {
  if (ctrl) return name === 'c' ? 'quit' : name === 'z' ? 'suspend' : undefined;
  switch (name) {
    case 'q':
      return 'quit';
    case 'p':
      return 'pause';
    case 'r':
      return 'reset';
    case 's':
      return 'sort';
    case 'u':
      return 'units';
    case 'e':
      return 'exact';
    case 'b':
      return 'view';
    case '?':
    case 'h':
      return 'help';
    case 'escape':
      return 'dismiss';
    default:
      return undefined;
  }
}

/** The state after a key; 'quit' and 'suspend' are the terminal's business and change nothing here. */
export function applyAction(state: DashboardState, action: Action): DashboardState {
  switch (action) {
    case 'pause':
      return state.paused ? { ...state, paused: false, shown: state.latest } : { ...state, paused: true };
    case 'reset':
      // What is on screen becomes zero (when paused, the frozen frame), and the history starts afresh.
      return state.shown ? { ...state, baseline: baselineOf(state.shown.snapshot), latest: withoutHistory(state.latest), shown: withoutHistory(state.shown) } : state;
    case 'sort':
      return { ...state, sort: next(SORT_KEYS, state.sort) };
    case 'units':
      return { ...state, units: next(UNIT_MODES, state.units) };
    case 'exact':
      return { ...state, exact: !state.exact };
    case 'help':
      return { ...state, help: !state.help };
    case 'dismiss':
      return { ...state, help: false };
    case 'view':
      // Only where the run collects a breakdown: the protocols and each --by view in turn.
      return { ...state, view: next(viewsFor(state.latest?.snapshot.breakdown?.by ?? []), state.view) };
    case 'quit':
    case 'suspend':
      return state;
  }
}

function withoutHistory(frame: Frame | undefined): Frame | undefined {
  return frame && { ...frame, history: frame.history.emptied() };
}

function baselineOf(snapshot: Snapshot): Baseline {
  const counts = new Map<string, { bytes: bigint; packets: bigint }>();
  for (const c of snapshot.counters) counts.set(counterId(c), { bytes: c.bytes, packets: c.packets });
  const breakdown = new Map<string, { bytes: bigint; packets: bigint }>();
  for (const c of snapshot.breakdown?.counters ?? []) breakdown.set(breakdownId(c), { bytes: c.bytes, packets: c.packets });
  return { elapsed: snapshot.elapsed, counts, breakdown };
}

function next<T>(list: readonly T[], current: T): T {
  const index = list.indexOf(current);
  return list[(index + 1) % list.length] ?? current;
}
