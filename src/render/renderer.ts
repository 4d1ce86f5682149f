/**
 * What a renderer is: it is handed snapshots (and the run's status) and never
 * reaches into the kernel layer.
 */
import type { InterfaceState } from '../model/interface-events.js';
import type { Snapshot } from '../model/snapshot.js';

export interface DemoStatus {
  /** ping is still running. */
  running: boolean;
  /** Echo requests ping has sent so far, and replies it got. */
  transmitted: number;
  received: number;
}

/** The run as the renderers see it: immutable, a new object whenever something changes. */
export interface RunStatus {
  /** Seconds between samples. */
  readonly interval: number;
  readonly demo: Readonly<DemoStatus> | undefined;
  /** Where Prometheus metrics are served (http://127.0.0.1:9469/metrics); undefined when they are not. */
  readonly metricsUrl?: string | undefined;
  /** Interfaces that are not counting right now, and why (absent: counting). */
  readonly interfaceStates?: ReadonlyMap<string, InterfaceState> | undefined;
}

export interface Renderer {
  render(snapshot: Snapshot, status: RunStatus): void;
  /** Undo anything done to the terminal. Safe to call twice. */
  close(): void;
}
