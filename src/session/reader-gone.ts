/**
 * Noticing that the reader of stdout went away (`sockex | head -1`) without
 * waiting for the next write to fail: at a long --interval the next write may
 * be an hour away, and until then the socket and the filter stay attached.
 * The kernel flags the write end of a pipe whose read end is closed with
 * POLLERR (a socket or terminal that hung up: POLLHUP); poll() with no
 * events asked for and no wait reports just those, at the cost of one system
 * call per period.
 */
import type { Native } from '../kernel/native.js';
import type { Subscribe } from './session.js';

const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
/** How often to look: well under a second, and a system call costs microseconds. */
const PERIOD_MS = 100;

export function stdoutReaderGone(native: Native, stdout: NodeJS.WritableStream = process.stdout, fd = 1): Subscribe {
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
    const pollfd = Buffer.alloc(8);
    pollfd.writeInt32LE(fd, 0);
    const timer = setInterval(() => {
      pollfd.writeInt16LE(0, 6);
      if (native.libc.poll(pollfd, 1, 0) > 0 && (pollfd.readInt16LE(6) & (POLLERR | POLLHUP | POLLNVAL)) !== 0) once();
    }, PERIOD_MS);
    // Looking must never be what keeps a finished run alive.
    timer.unref();
    return () => {
      clearInterval(timer);
      stdout.off('error', onError);
    };
  };
}
