/**
 * A callback as soon as a socket has something to read, for sockets Node
 * cannot watch itself (a netlink socket is no stream Node knows): a koffi
 * async call of poll() waits on a libuv threadpool thread, and its result
 * comes back to the main thread, which reads the socket without blocking and
 * waits again. It takes one threadpool thread for as long as it watches.
 *
 * close() wakes that thread through an eventfd it polls as well: a poll()
 * left waiting would keep the thread, and Node joins its threadpool at exit,
 * so an exit that comes before close() (any path that skips the release)
 * closes it too rather than hang.
 */
import { SyscallError, errnoName } from '../../errors.js';
import type { Native } from '../libbpf/index.js';

const POLLIN = 0x1;
const POLLFD_SIZE = 8;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

export interface ReadableWatch {
  /** Stop watching; safe to call twice. The socket itself is the caller's to close, after this. */
  close(): void;
}

/**
 * onReadable must read what is there and must not throw (it runs from the
 * event loop); false stops the watch (what it could not read would wake it
 * again at once).
 */
export function watchReadable(native: Native, fd: number, onReadable: () => boolean): ReadableWatch {
  const { libc } = native;
  const wake = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    const errno = native.errno();
    throw new SyscallError('syscall', 'eventfd', errno, `cannot make an eventfd to watch interface notifications with (${errnoName(errno)})`);
  }
  // struct pollfd[2]: the socket, then the eventfd; kept alive while a poll() holds it.
  const fds = Buffer.alloc(2 * POLLFD_SIZE);
  fds.writeInt32LE(fd, 0);
  fds.writeInt16LE(POLLIN, 4);
  fds.writeInt32LE(wake, POLLFD_SIZE);
  fds.writeInt16LE(POLLIN, POLLFD_SIZE + 4);
  let closing = false;

  const wait = (): void => {
    fds.writeInt16LE(0, 6);
    fds.writeInt16LE(0, POLLFD_SIZE + 6);
    libc.pollAsync(fds, 2, -1, (_err, ready) => {
      // Readable, or an error to read (ENOBUFS: notifications dropped); onReadable reads it either way.
      // Interrupted (EINTR): wait again.
      if (!closing && ready > 0 && fds.readInt16LE(6) !== 0 && !onReadable()) closing = true;
      // No poll() holds the eventfd any more: now it can go.
      if (closing) libc.close(wake);
      else wait();
    });
  };
  const close = (): void => {
    if (closing) return;
    closing = true;
    process.off('exit', close);
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    libc.write(wake, one, 8);
  };
  process.on('exit', close);
  wait();
  return { close };
}
