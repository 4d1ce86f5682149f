/**
 * The kernel's list of network interfaces, asked over rtnetlink: a
 * NETLINK_ROUTE socket answers for the network namespace of the process that
 * opened it (/sys/class/net shows the namespace /sys was mounted in, which can
 * be another). One RTM_GETLINK dump lists every link; the RTMGRP_LINK group
 * then tells of every link that appears, changes (name, up, carrier) or goes.
 *
 * The encoding and parsing below are pure (byte buffers in, plain objects out);
 * RouteSocket does the syscalls.
 */
import { Errno, errnoName, SyscallError } from '../../errors.js';
import { AF_NETLINK, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET, type Native } from '../libbpf/index.js';

/** One network interface as the kernel describes it in an RTM_NEWLINK message. */
export interface Link {
  readonly ifindex: number;
  readonly name: string;
  /** ARPHRD_* (1 Ethernet, 772 loopback, 65534 none: tun, WireGuard). */
  readonly type: number;
  /** IFF_* flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP among them. */
  readonly flags: number;
}

/** What one netlink message says, as far as links go. */
export type LinkMessage =
  | { readonly kind: 'link'; readonly seq: number; readonly link: Link }
  | { readonly kind: 'gone'; readonly seq: number; readonly ifindex: number }
  | { readonly kind: 'done'; readonly seq: number }
  | { readonly kind: 'error'; readonly seq: number; readonly errno: number };

export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

const AF_UNSPEC = 0;
const NETLINK_ROUTE = 0;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const MSG_DONTWAIT = 0x40;
/** Group of RTM_NEWLINK/RTM_DELLINK notifications. */
const RTMGRP_LINK = 1;

const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const IFLA_IFNAME = 3;

const align4 = (n: number): number => (n + 3) & ~3;

/** An RTM_GETLINK dump request for every link (ifinfomsg all zero: any family, any index). */
export function encodeLinkDumpRequest(seq: number): Buffer {
  const message = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN);
  message.writeUInt32LE(message.length, 0);
  message.writeUInt16LE(RTM_GETLINK, 4);
  message.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  message.writeUInt32LE(seq, 8);
  return message;
}

/**
 * The messages of one datagram (a dump batch holds many, a notification one).
 * Messages about other things, and per-family link messages (AF_BRIDGE port
 * events, whose RTM_DELLINK means "left the bridge", not "gone"), are skipped.
 */
export function parseLinkMessages(data: Buffer, length = data.length): LinkMessage[] {
  const messages: LinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= length) {
    const size = data.readUInt32LE(offset);
    if (size < NLMSG_HDRLEN || offset + size > length) break; // truncated: nothing after it can be trusted
    const type = data.readUInt16LE(offset + 4);
    const seq = data.readUInt32LE(offset + 8);
    const body = offset + NLMSG_HDRLEN;
    const end = offset + size;
    if (type === NLMSG_DONE) {
      messages.push({ kind: 'done', seq });
    } else if (type === NLMSG_ERROR && body + 4 <= end) {
      // A negative errno; 0 is an acknowledgement, which a dump never asks for.
      const errno = -data.readInt32LE(body);
      if (errno !== 0) messages.push({ kind: 'error', seq, errno });
    } else if ((type === RTM_NEWLINK || type === RTM_DELLINK) && body + IFINFOMSG_LEN <= end && data.readUInt8(body) === AF_UNSPEC) {
      const ifindex = data.readInt32LE(body + 4);
      if (type === RTM_DELLINK) {
        messages.push({ kind: 'gone', seq, ifindex });
      } else {
        const name = attributeString(data, body + IFINFOMSG_LEN, end, IFLA_IFNAME);
        // Every RTM_NEWLINK carries IFLA_IFNAME; one without it says nothing we can use.
        if (name !== undefined) {
          messages.push({ kind: 'link', seq, link: { ifindex, name, type: data.readUInt16LE(body + 2), flags: data.readUInt32LE(body + 8) } });
        }
      }
    }
    offset += align4(size);
  }
  return messages;
}

/** A NUL-terminated string attribute among the rtattrs in [start, end). */
function attributeString(data: Buffer, start: number, end: number, wanted: number): string | undefined {
  let offset = start;
  while (offset + 4 <= end) {
    const size = data.readUInt16LE(offset);
    if (size < 4 || offset + size > end) return undefined;
    if (data.readUInt16LE(offset + 2) === wanted) {
      const value = data.subarray(offset + 4, offset + size);
      const nul = value.indexOf(0);
      return value.toString('utf8', 0, nul === -1 ? value.length : nul);
    }
    offset += align4(size);
  }
  return undefined;
}

/** A link that appeared or changed, or one that is gone (deleted, or moved to another namespace). */
export type LinkChange = { readonly kind: 'link'; readonly link: Link } | { readonly kind: 'gone'; readonly ifindex: number };

/** Where links come from: a RouteSocket, or a fake in unit tests. */
export interface LinkSource {
  /** Every link there is now. */
  list(): Link[];
  /**
   * What changed since the last call (or since the socket was opened), oldest
   * first, without waiting; 'overflow' when the kernel had to drop some
   * (the socket's buffer was full): list() again, then carry on.
   */
  changes(): LinkChange[] | 'overflow';
  close(): void;
}

/** Enough for any dump batch the kernel builds (it caps them at 32 KiB). */
const RECEIVE_BUFFER = 64 * 1024;
/** Room for bursts of notifications (thousands of interfaces changing at once). */
const SOCKET_BUFFER = 4 * 1024 * 1024;

/**
 * A NETLINK_ROUTE socket. With `follow`, it joins RTMGRP_LINK before the first
 * dump, so no change after that dump can be missed: changes() drains what the
 * kernel queued since, one non-blocking recv() when nothing did.
 */
export class RouteSocket implements LinkSource {
  private readonly native: Native;
  /** The socket, for watching it (links/readable-watch.ts). */
  readonly fd: number;
  private readonly buffer = Buffer.alloc(RECEIVE_BUFFER);
  private seq = 0;
  /** Notifications that arrived amid a dump, handed out by the next changes(). */
  private pending: LinkChange[] = [];
  private open = true;

  constructor(native: Native, follow: boolean) {
    this.native = native;
    const { libc } = native;
    this.fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (this.fd < 0) this.fail('socket', 'cannot open a NETLINK_ROUTE socket');
    try {
      if (follow) {
        const size = Buffer.alloc(4);
        size.writeInt32LE(SOCKET_BUFFER);
        // Past rmem_max with CAP_NET_ADMIN, else up to it. A smaller buffer only
        // means an earlier overflow, which is handled: no error either way.
        if (libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0) libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUF, size, 4);
      }
      const address = Buffer.alloc(12); // sockaddr_nl: family, pad, port id (0: the kernel picks), groups
      address.writeUInt16LE(AF_NETLINK, 0);
      address.writeUInt32LE(follow ? RTMGRP_LINK : 0, 8);
      if (libc.bind(this.fd, address, address.length) < 0) this.fail('bind', 'cannot bind the NETLINK_ROUTE socket');
    } catch (err) {
      this.close();
      throw err;
    }
  }

  list(): Link[] {
    const seq = ++this.seq;
    const request = encodeLinkDumpRequest(seq);
    if (this.native.libc.send(this.fd, request, request.length, 0) < 0) this.fail('send', 'cannot ask the kernel for its interfaces');
    const links: Link[] = [];
    for (;;) {
      // Blocking: the kernel builds each batch as the previous one is read, so the answer is always on its way.
      const length = this.receive(0);
      if (length === 'empty') continue;
      if (length === 'overflow') {
        // Notifications were dropped: this dump is still whole, but the ones queued before it
        // may have been lost with them, and this dump supersedes them all.
        this.pending = [];
        continue;
      }
      for (const message of parseLinkMessages(this.buffer, length)) {
        if (message.seq !== seq) {
          // A notification that arrived amid the dump: its order against the dump does not
          // matter, since every later change brings its own notification after it.
          if (message.kind === 'link' || message.kind === 'gone') this.pending.push(message);
          continue;
        }
        if (message.kind === 'link') links.push(message.link);
        else if (message.kind === 'done') return links;
        else if (message.kind === 'error') this.fail('recv', 'the kernel refused to list its interfaces', message.errno);
      }
    }
  }

  changes(): LinkChange[] | 'overflow' {
    const changes = this.pending;
    this.pending = [];
    for (;;) {
      const length = this.receive(MSG_DONTWAIT);
      if (length === 'empty') return changes;
      if (length === 'overflow') return 'overflow';
      for (const message of parseLinkMessages(this.buffer, length)) {
        if (message.kind === 'link' || message.kind === 'gone') changes.push(message);
      }
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.fd >= 0) this.native.libc.close(this.fd);
  }

  /** One datagram into the buffer: its length, 'empty' (nothing queued, or interrupted) or 'overflow'. */
  private receive(flags: number): number | 'empty' | 'overflow' {
    const length = this.native.libc.recv(this.fd, this.buffer, this.buffer.length, flags);
    if (length >= 0) return length;
    const errno = this.native.errno();
    if (errno === Errno.EAGAIN || errno === Errno.EINTR) return 'empty';
    if (errno === Errno.ENOBUFS) return 'overflow';
    return this.fail('recv', 'cannot read the kernel\'s interface notifications', errno);
  }

  private fail(call: string, what: string, errno = this.native.errno()): never {
    throw new SyscallError('syscall', call, errno, `${what} (${errnoName(errno)})`);
  }
}
