/**
 * What a renderer is: it is handed snapshots (and the run's status) and never
 * reaches into the kernel layer.
 */
import type { RunStatus } from '../model/run-status.js';
import type { Snapshot } from '../model/snapshot.js';

export interface Renderer {
  render(snapshot: Snapshot, status: RunStatus): void;
  /** Undo anything done to the terminal. Safe to call twice. */
  close(): void;
}
