/**
 * Line-oriented renderers (the sample's lines, JSON) writing to a stream,
 * what became of each sample written, and the wait for what was written to
 * reach its reader.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Snapshot } from '../model/snapshot.js';
import type { Renderer } from './renderer.js';

/** The samples that never reached the stream whole, once a write failed. */
export interface Unwritten {
  /** Samples handed to the stream in all. */
  readonly handed: number;
  /** The last this many of them were not written (or not whole). */
  readonly samples: number;
  /** The first of those was cut short: this many of its bytes were written. */
  readonly cut?: { readonly written: number; readonly of: number };
}

export interface StreamRenderer extends Renderer {
  /** What was not written, by now. */
  unwritten(): Unwritten;
}

export function streamRenderer(format: (snapshot: Snapshot) => string, out: NodeJS.WritableStream): StreamRenderer {
  let handed = 0;
  let written = 0;
  let failed = false;
  let cut: Unwritten['cut'];
  return {
    render(snapshot) {
      handed += 1;
      // After a failed write the stream is destroyed: the run is ending, and this sample is lost.
      if (isDestroyed(out)) return;
      const text = format(snapshot);
      out.write(text, (error) => {
        if (!error) written += 1;
        else if (!failed) {
          // Writes complete in order: only the first to fail can have been cut short.
          failed = true;
          cut = partial(error, Buffer.byteLength(text));
        }
      });
    },
    unwritten: () => ({ handed, samples: handed - written, ...(cut ? { cut } : {}) }),
    close() {},
  };
}

function partial(error: Error, of: number): Unwritten['cut'] {
  const { bytesWritten } = error as { bytesWritten?: unknown };
  return typeof bytesWritten === 'number' && bytesWritten > 0 ? { written: bytesWritten, of } : undefined;
}

/**
 * A stream that writes to a file descriptor (a file, /dev/full) and either
 * writes each chunk whole or fails, saying how much of it got out (the
 * error's bytesWritten). Node's own stdout for a file takes a short write
 * (a disk that fills mid-line) for a whole one and drops the rest unsaid.
 */
export function wholeWrites(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      let offset = 0;
      try {
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
      } catch (error) {
        done(Object.assign(error as Error, { bytesWritten: offset }));
        return;
      }
      done();
    },
  });
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
