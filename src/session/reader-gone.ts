/**
 * Noticing that the reader of stdout went away (`sockex | head -1`) without
 * waiting for the next write to fail: at a long --interval the next write may
 * be an hour away, and until then the socket and the filter stay attached.
 * The kernel flags the write end of a pipe whose read end is closed with
 * POLLERR (a socket or terminal that hung up: POLLHUP); poll() with no
 * events asked for and no wait reports just those, at the cost of one system
 * call per period.
 */
import type { Native } from '../kernel/index.js';
import type { Subscribe } from './session.js';

const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
/** How often to look: twice a second, so a reader that left is noticed within a second. */
const PERIOD_MS = 500;

/**
 * Whether looking is worth its wake-ups: at an interval of a second or less
 * the next sample's write finds a reader that left (EPIPE) soon enough.
 */
export function readerWatchNeeded(intervalSeconds: number): boolean {
  return intervalSeconds > 1;
}

export function stdoutReaderGone(native: Native, look: boolean, stdout: NodeJS.WritableStream = process.stdout, fd = 1): Subscribe {
  return (handler) => {
    let gone = false;
    const once = (): void => {
      if (gone) return;
      gone = true;
      handler();
    };
    // A write that failed (EPIPE): the reader went away between two looks.
    const onError = (): void => once();
    stdout.on('error', onError);
    // Looking must never be what keeps a finished run alive (unref), and is only done where worth it.
    const timer = look ? lookForHangUp(native, fd, once) : undefined;
    return () => {
      if (timer) clearInterval(timer);
      stdout.off('error', onError);
    };
  };
}

/** poll() the fd every PERIOD_MS for POLLERR/POLLHUP/POLLNVAL, without waiting. */
function lookForHangUp(native: Native, fd: number, gone: () => void): NodeJS.Timeout {
  const pollfd = Buffer.alloc(8);
  pollfd.writeInt32LE(fd, 0);
  const timer = setInterval(() => {
    pollfd.writeInt16LE(0, 6);
    if (native.libc.poll(pollfd, 1, 0) > 0 && (pollfd.readInt16LE(6) & (POLLERR | POLLHUP | POLLNVAL)) !== 0) gone();
  }, PERIOD_MS);
  timer.unref();
  return timer;
}
