/**
 * This network namespace's cookie (SO_NETNS_COOKIE, Linux 5.14+), the id the
 * socket hooks key flows by. A socket filter cannot ask the kernel for it
 * (no bpf_get_netns_cookie there), so user space hands it to the tap.
 */
import { errnoName, SyscallError } from '../../errors.js';
import type { Native } from '../libbpf/index.js';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_NETNS_COOKIE = 71;

export function netnsCookie(native: Native): bigint {
  const { libc } = native;
  const fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const errno = native.errno();
    throw new SyscallError('syscall', 'socket', errno, `cannot open a socket to learn this network namespace's cookie (${errnoName(errno)})`);
  }
  try {
    const value = Buffer.alloc(8);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(8);
    if (libc.getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, value, length) < 0) {
      const errno = native.errno();
      throw new SyscallError('syscall', 'getsockopt', errno, `cannot read this network namespace's cookie (SO_NETNS_COOKIE: ${errnoName(errno)}; Linux 5.14 or later has it)`);
    }
    return value.readBigUInt64LE();
  } finally {
    libc.close(fd);
  }
}
