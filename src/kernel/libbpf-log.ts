/**
 * libbpf prints through a callback. sockex keeps its messages instead of
 * letting them reach the terminal: they are shown with --verbose, and the
 * warnings end up in the error a failed load reports.
 */
import type { Native } from './native.js';

export interface LibbpfMessage {
  level: 'warn' | 'info' | 'debug';
  text: string;
}

const levels = ['warn', 'info', 'debug'] as const;

let installed = false;
const messages: LibbpfMessage[] = [];
let echo: ((message: LibbpfMessage) => void) | undefined;

/** Route libbpf's log to sockex; optionally echo each message as it comes. */
export function captureLibbpfLog(native: Native, onMessage?: (message: LibbpfMessage) => void): void {
  echo = onMessage;
  if (installed) return;
  const { koffi, libbpf, libc } = native;
  const printFn = koffi.proto('int sockex_libbpf_print(int level, const char *fmt, void *args)');
  const text = Buffer.alloc(4096);
  const callback = koffi.register((level: number, fmt: unknown, args: unknown): number => {
    // va_list reaches us as a pointer on x86-64 and arm64; vsnprintf consumes it once.
    const n = libc.vsnprintf(text, text.length, fmt, args);
    const message: LibbpfMessage = {
      level: levels[level] ?? 'debug',
      text: text.toString('utf8', 0, Math.max(0, Math.min(n, text.length - 1))).trimEnd(),
    };
    messages.push(message);
    if (messages.length > 1000) messages.shift();
    echo?.(message);
    return n;
  }, koffi.pointer(printFn));
  libbpf.setPrint(callback);
  installed = true;
}

/** Messages logged since the last call, warnings first in importance. */
export function takeLibbpfMessages(): LibbpfMessage[] {
  return messages.splice(0, messages.length);
}
