/**
 * The run as the session reports it to every renderer beside the snapshots:
 * the session owns it, renderers only read it, so it lives with the other
 * data that flows one way from the model to the views.
 */
import type { InterfaceState } from './interface-events.js';

export interface DemoStatus {
  /** ping is still running. */
  running: boolean;
  /** Echo requests ping has sent so far, and replies it got. */
  transmitted: number;
  received: number;
}

/** Immutable: a new object whenever something changes. */
export interface RunStatus {
  /** Seconds between samples. */
  readonly interval: number;
  readonly demo: Readonly<DemoStatus> | undefined;
  /** Where Prometheus metrics are served (http://127.0.0.1:9469/metrics); undefined when they are not. */
  readonly metricsUrl?: string | undefined;
  /** Interfaces that are not counting right now, and why (absent: counting). */
  readonly interfaceStates?: ReadonlyMap<string, InterfaceState> | undefined;
}
