/**
 * Line-oriented renderers (the sample's lines, JSON) writing to a stream,
 * and the wait for what was written to reach its reader.
 */
import type { Snapshot } from '../model/snapshot.js';
import type { Renderer } from './renderer.js';

export function streamRenderer(format: (snapshot: Snapshot) => string, out: NodeJS.WritableStream): Renderer {
  return {
    render(snapshot) {
      // After EPIPE the stream is destroyed: the run is ending, and nobody reads.
      if (!isDestroyed(out)) out.write(format(snapshot));
    },
    close() {},
  };
}

/**
 * Resolves once everything written to the stream so far has been handed to
 * the kernel, or the stream failed (its reader is gone). A pipe's writes are
 * queued in Node when the reader is slow; process.exit() would drop them.
 */
export function flushed(out: NodeJS.WritableStream): Promise<void> {
  if (isDestroyed(out)) return Promise.resolve();
  // Writes complete in order: the callback of an empty write comes after all before it.
  return new Promise((resolve) => out.write('', () => resolve()));
}

function isDestroyed(out: NodeJS.WritableStream): boolean {
  return (out as { destroyed?: boolean }).destroyed === true;
}
