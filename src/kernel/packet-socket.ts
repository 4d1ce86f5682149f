/**
 * The AF_PACKET raw socket the filter is attached to. It is opened with
 * protocol 0, so it sees nothing until bind(); the filter is attached first,
 * so from the very first frame the filter counts it and the socket queues
 * nothing.
 */
import { PERMISSION_HINT, SyscallError, errnoName, isPermissionErrno } from '../errors.js';
import { loadNative, type Native } from './native.js';

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ALL = 0x0003;
const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SOCKADDR_LL_SIZE = 20;
const ENODEV = 19;

export interface PacketSocket {
  readonly fd: number;
  /** Closing the socket detaches the filter. Safe to call twice. */
  close(): void;
}

/**
 * Open a raw socket, attach the program and bind to ifindex (0: every
 * interface). On failure nothing stays open.
 */
export function openFilteredSocket(ifindex: number, interfaceName: string, programFd: number, native: Native = loadNative()): PacketSocket {
  const { libc } = native;
  const fd = libc.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const errno = native.errno();
    if (isPermissionErrno(errno)) {
      throw new SyscallError('permission', 'socket', errno, `not allowed to open a raw AF_PACKET socket (${errnoName(errno)}): ${PERMISSION_HINT}`);
    }
    throw new SyscallError('syscall', 'socket', errno, `socket(AF_PACKET) failed (${errnoName(errno)}): is AF_PACKET built into this kernel (CONFIG_PACKET)?`);
  }
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    libc.close(fd);
  };
  try {
    // Attach: from now on every frame the socket sees runs the filter.
    const progFd = Buffer.alloc(4);
    progFd.writeInt32LE(programFd);
    if (libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, progFd, 4) < 0) {
      const errno = native.errno();
      throw new SyscallError('syscall', 'setsockopt', errno, `cannot attach the filter with SO_ATTACH_BPF (${errnoName(errno)})`);
    }
    // Bind: choose the interface and start seeing every protocol on it.
    const addr = Buffer.alloc(SOCKADDR_LL_SIZE);
    addr.writeUInt16LE(AF_PACKET, 0);
    addr.writeUInt16BE(ETH_P_ALL, 2);
    addr.writeInt32LE(ifindex, 4);
    if (libc.bind(fd, addr, SOCKADDR_LL_SIZE) < 0) {
      const errno = native.errno();
      if (errno === ENODEV) {
        throw new SyscallError('interface-lost', 'bind', errno, `interface ${interfaceName} disappeared before sockex could bind to it`);
      }
      throw new SyscallError('syscall', 'bind', errno, `cannot bind the socket to ${interfaceName} (${errnoName(errno)})`);
    }
    return { fd, close };
  } catch (err) {
    close();
    throw err;
  }
}
