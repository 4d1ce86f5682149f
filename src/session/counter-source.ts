/**
 * What the session needs from a filter: its counters, what happened to its
 * interface since the last look, and its release.
 */
import type { Reading } from '../model/counters.js';
import type { InterfaceEvent } from '../model/interface-events.js';

export interface CounterSource {
  readonly interface: string;
  read(): Reading[];
  /** What happened to the interface since the last call (nothing: an empty list). */
  poll(): InterfaceEvent[];
  /** Detach and unload. Safe to call twice. */
  close(): void;
}

/** A filter that can only say whether its interface is still there. */
export interface PresenceFilter {
  readonly interface: string;
  read(): Reading[];
  present(): boolean;
  close(): void;
}

/**
 * A filter as a counter source: one with poll() as it is; one that only
 * answers present() loses its interface the first time it is not there, and
 * never rebinds.
 */
export function asCounterSource(filter: CounterSource | PresenceFilter): CounterSource {
  if ('poll' in filter) return filter;
  let lost = false;
  return {
    interface: filter.interface,
    read: () => filter.read(),
    poll(): InterfaceEvent[] {
      if (lost || filter.present()) return [];
      lost = true;
      return [{ kind: 'lost', interface: filter.interface }];
    },
    close: () => filter.close(),
  };
}
