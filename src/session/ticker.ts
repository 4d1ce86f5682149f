/**
 * Calls back every interval, on a fixed grid from the start (start + k *
 * interval), so samples do not drift however long a tick takes.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Ticker {
  stop(): void;
}

export function startTicker(intervalMs: number, onTick: (tick: number) => void, timers: Timers = systemTimers): Ticker {
  const start = timers.now();
  let tick = 0;
  let handle: unknown;
  let stopped = false;
  const schedule = (): void => {
    // Skip grid points already missed (a stalled process) instead of firing a burst.
    const next = Math.max(tick + 1, Math.floor((timers.now() - start) / intervalMs) + 1);
    tick = next;
    handle = timers.setTimeout(fire, Math.max(0, start + next * intervalMs - timers.now()));
  };
  const fire = (): void => {
    if (stopped) return;
    onTick(tick);
    if (!stopped) schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
  };
}
