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
