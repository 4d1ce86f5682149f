/**
 * libbpf prints through one process-wide callback (libbpf_set_print), so
 * there is one log: this module installs the callback once and owns what it
 * collects. Loads ask for the messages since they began (the warnings go
 * into their errors); --verbose echoes each message as it comes. Nothing
 * resets it and reading does not consume it, so every reader sees every
 * message once.
 */
import type { Native } from './native.js';

export interface LibbpfMessage {
  readonly level: 'warn' | 'info' | 'debug';
  /** Without libbpf's own "libbpf: " prefix, and without the trailing newline. */
  readonly text: string;
}

export interface LibbpfLog {
  /** Echo every message from now on, as it comes (--verbose). */
  echoTo(echo: (message: LibbpfMessage) => void): void;
  /** A place in the log, for since(). */
  mark(): number;
  /** The messages logged after mark, oldest first. */
  since(mark: number): LibbpfMessage[];
}

const levels = ['warn', 'info', 'debug'] as const;
/** Enough for a failed load's story; older messages are dropped. */
const KEPT = 1000;

let log: LibbpfLog | undefined;

/** The process's libbpf log, its callback installed on first use. */
export function libbpfLog(native: Native): LibbpfLog {
  if (log) return log;
  const { koffi, libbpf, libc } = native;
  const kept: LibbpfMessage[] = [];
  let dropped = 0;
  let echo: ((message: LibbpfMessage) => void) | undefined;
  const printFn = koffi.proto('int sockex_libbpf_print(int level, const char *fmt, void *args)');
  const text = Buffer.alloc(4096);
  const callback = koffi.register((level: number, fmt: unknown, args: unknown): number => {
    // va_list reaches us as a pointer on x86-64 and arm64; vsnprintf consumes it once.
    const n = libc.vsnprintf(text, text.length, fmt, args);
    const message: LibbpfMessage = {
      level: levels[level] ?? 'debug',
      text: text
        .toString('utf8', 0, Math.max(0, Math.min(n, text.length - 1)))
        .trimEnd()
        .replace(/^libbpf:\s*/, ''),
    };
    kept.push(message);
    if (kept.length > KEPT) {
      kept.shift();
      dropped += 1;
    }
    echo?.(message);
    return n;
  }, koffi.pointer(printFn));
  libbpf.setPrint(callback);
  log = {
    echoTo(to) {
      echo = to;
    },
    mark: () => dropped + kept.length,
    since: (mark) => kept.slice(Math.max(0, mark - dropped)),
  };
  return log;
}
