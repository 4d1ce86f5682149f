/**
 * What the session needs from a filter: its counters (with --by, the
 * breakdown read with them), what happened to its interface since the last
 * look, and its release.
 */
import type { CounterRead } from '../model/counter-read.js';
import type { InterfaceEvent } from '../model/interface-events.js';

export interface CounterSource {
  readonly interface: string;
  /** The counters now; the last read again (same generation) while nothing moved. */
  read(): CounterRead;
  /** What happened to the interface since the last call (nothing: an empty list). */
  poll(): InterfaceEvent[];
  /** Detach and unload. Safe to call twice. */
  close(): void;
}
