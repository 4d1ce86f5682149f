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
 * Events from a filter that only answers present(): its interface is lost
 * the first time it is not there, and the filter never rebinds. (Filters
 * with poll() are used as they are.)
 */
export function eventsFromPresence(filter: PresenceFilter): CounterSource {
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
