/**
 * What became of the run's output on stdout and stderr. A write can fail
 * because the reader went away (EPIPE: `sockex | head -1`; ECONNRESET on a
 * socket; EIO on a terminal that hung up): a quiet end, nobody is left to
 * tell. Any other failure (a full disk, /dev/full, an I/O error) loses
 * output that someone will read as whole: it is said, with what was not
 * written, and ends the run with an exit code of its own.
 */
import { fstatSync } from 'node:fs';
import { SockexError } from '../errors.js';
import { flushed, wholeWrites, type StreamRenderer, type Unwritten } from '../render/stream.js';

type Name = 'stdout' | 'stderr';

export function isReaderGone(error: unknown, terminal: boolean): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET' || (terminal && code === 'EIO');
}

/** Where samples are written: stdout, or for a file or device a stream that says when a write was cut short. */
function stdoutForSamples(): NodeJS.WritableStream {
  if (process.stdout.isTTY) return process.stdout;
  try {
    const stat = fstatSync(1);
    // What Node writes synchronously (a pipe or socket is written whole by libuv, or fails).
    if (stat.isFile() || stat.isCharacterDevice() || stat.isBlockDevice()) return wholeWrites(1);
  } catch {
    // No stdout to look at: Node's own handles whatever it is.
  }
  return process.stdout;
}

export class Outputs {
  private readonly streams: NodeJS.WritableStream[] = [];
  private readonly failures = new Map<Name, Error>();
  private readonly onStdoutFailure = new Set<(error: SockexError) => void>();
  private samples: StreamRenderer | undefined;
  private sampleOut: NodeJS.WritableStream | undefined;

  /** Follow a stream's failures; from now on a failed write is never an uncaught exception. */
  watch(name: Name, stream: NodeJS.WritableStream): void {
    this.streams.push(stream);
    const terminal = (stream as { isTTY?: boolean }).isTTY === true;
    stream.on('error', (error: Error) => {
      if (isReaderGone(error, terminal) || this.failures.has(name)) return;
      this.failures.set(name, error);
      const failure = name === 'stdout' ? this.stdoutFailure() : undefined;
      if (failure) for (const handler of this.onStdoutFailure) handler(failure);
    });
  }

  /** Where samples go (made once, and watched as stdout). */
  sampleStream(): NodeJS.WritableStream {
    if (!this.sampleOut) {
      this.sampleOut = stdoutForSamples();
      if (this.sampleOut !== process.stdout) this.watch('stdout', this.sampleOut);
    }
    return this.sampleOut;
  }

  /** The samples written to stdout, so a failure can say how many were lost. */
  countSamples(renderer: StreamRenderer): void {
    this.samples = renderer;
  }

  /** Calls handler when a write to stdout fails (not for a reader gone); returns the unsubscribe. */
  onFailure(handler: (error: SockexError) => void): () => void {
    this.onStdoutFailure.add(handler);
    return () => this.onStdoutFailure.delete(handler);
  }

  /** The failure of stdout, if a write failed, as what to say (counted as of now). */
  stdoutFailure(): SockexError | undefined {
    const error = this.failures.get('stdout');
    if (!error) return undefined;
    const lost = this.samples ? notWritten(this.samples.unwritten()) : 'the output is incomplete';
    return new SockexError('output-failed', `cannot write to stdout (${describe(error)}): ${lost}`);
  }

  /** A write to stderr failed (not for a reader gone): what sockex said is incomplete. */
  stderrFailed(): boolean {
    return this.failures.has('stderr');
  }

  /** Resolves once everything written to every stream reached its reader, or the stream failed. */
  flushed(): Promise<void> {
    return Promise.all(this.streams.map(flushed)).then(() => undefined);
  }
}

/** "ENOSPC: no space left on device" from Node's "ENOSPC: no space left on device, write"; the code alone otherwise. */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const text = /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1];
  if (typeof code !== 'string') return error.message;
  return text ? `${code}: ${text}` : code;
}

function notWritten({ handed, samples, cut }: Unwritten): string {
  if (samples === 0) return `all ${handed} samples were written, a later write was not`;
  const which = samples === 1 ? `last 1 sample of ${handed} not written` : `last ${samples} samples of ${handed} not written`;
  if (!cut) return which;
  return `${which} (${samples === 1 ? '' : 'the first of them '}cut short after ${cut.written} of ${cut.of} bytes)`;
}
