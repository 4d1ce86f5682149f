/**
 * The AF_PACKET raw socket the filter is attached to. It is opened with
 * protocol 0, so it sees nothing until bind(); the filter is attached first,
 * so from the very first frame the filter counts it and the socket queues
 * nothing.
 */
import { Errno, errnoName, isPermissionErrno, PERMISSION_HINT, SyscallError } from '../../errors.js';
import { AF_PACKET, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET, loadNative, type Native } from '../libbpf/index.js';

const ETH_P_ALL = 0x0003;
const SO_ATTACH_BPF = 50;
const SOCKADDR_LL_SIZE = 20;

export interface PacketSocket {
  readonly fd: number;
  /**
   * The ifindex the socket is bound to now, as the kernel says (getsockname):
   * -1 once the kernel unbound it because the interface was deleted or left
   * the network namespace (it does not bind again when the interface comes back).
   */
  boundIfindex(): number;
  /** Bind to another ifindex; the attached filter and its counts stay. 0, or the errno. */
  bind(ifindex: number): number;
  /** Stop seeing frames (bound to protocol 0, which registers no tap); boundIfindex() then says 0. */
  unbind(): void;
  /** Attach another program in place of the one attached (the kernel swaps them in one step). */
  attach(programFd: number): void;
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
    // Only a missing address family points at the kernel's build; EMFILE and the like are said as main.ts maps them.
    const hint = errnoName(errno) === 'EAFNOSUPPORT' ? ': is AF_PACKET built into this kernel (CONFIG_PACKET)?' : '';
    throw new SyscallError('syscall', 'socket', errno, `socket(AF_PACKET) failed (${errnoName(errno)})${hint}`);
  }
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    libc.close(fd);
  };
  try {
    // Attach: from now on every frame the socket sees runs the filter.
    const attach = (program: number): void => {
      const progFd = Buffer.alloc(4);
      progFd.writeInt32LE(program);
      if (libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, progFd, 4) < 0) {
        const errno = native.errno();
        throw new SyscallError('syscall', 'setsockopt', errno, `cannot attach the filter with SO_ATTACH_BPF (${errnoName(errno)})`);
      }
    };
    attach(programFd);
    // Bind: choose the interface and start seeing every protocol on it.
    const bind = (to: number): number => (libc.bind(fd, linkAddress(to), SOCKADDR_LL_SIZE) < 0 ? native.errno() : 0);
    // Cannot fail on an open socket: protocol 0 looks up no device.
    const unbind = (): void => void libc.bind(fd, linkAddress(0, 0), SOCKADDR_LL_SIZE);
    const errno = bind(ifindex);
    if (errno !== 0) {
      if (errno === Errno.ENODEV) {
        throw new SyscallError('interface-lost', 'bind', errno, `interface ${interfaceName} disappeared before sockex could bind to it`);
      }
      throw new SyscallError('syscall', 'bind', errno, `cannot bind the socket to ${interfaceName} (${errnoName(errno)})`);
    }
    const address = Buffer.alloc(SOCKADDR_LL_SIZE);
    const length = Buffer.alloc(4);
    const boundIfindex = (): number => {
      length.writeUInt32LE(SOCKADDR_LL_SIZE);
      // Cannot fail on an open socket; if it did, "not bound" is the safe answer.
      if (libc.getsockname(fd, address, length) < 0) return -1;
      return address.readInt32LE(4);
    };
    return { fd, close, boundIfindex, bind, unbind, attach };
  } catch (err) {
    close();
    throw err;
  }
}

/** sockaddr_ll for bind(): every protocol (or none), on that ifindex (0: every interface). */
function linkAddress(ifindex: number, protocol = ETH_P_ALL): Buffer {
  const address = Buffer.alloc(SOCKADDR_LL_SIZE);
  address.writeUInt16LE(AF_PACKET, 0);
  address.writeUInt16BE(protocol, 2);
  address.writeInt32LE(ifindex, 4);
  return address;
}
