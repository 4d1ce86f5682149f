/**
 * What a renderer is: it is handed snapshots (and the run's status) and never
 * reaches into the kernel layer.
 */
import type { Snapshot } from '../model/snapshot.js';

export interface DemoStatus {
  /** ping is still running. */
  running: boolean;
  /** Echo requests ping has sent so far, and replies it got. */
  transmitted: number;
  received: number;
}

export interface RunStatus {
  /** Seconds between samples. */
  interval: number;
  demo: DemoStatus | undefined;
}

export interface Renderer {
  render(snapshot: Snapshot, status: RunStatus): void;
  /** Undo anything done to the terminal. Safe to call twice. */
  close(): void;
}
