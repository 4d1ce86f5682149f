/**
 * File descriptors: sockex holds a handful per counted interface, so a few
 * hundred interfaces meet the usual limit of 1024. At start the soft limit
 * is raised to the hard one (as many daemons do: sockex never calls
 * select(), which is what a low soft limit protects); before the filters
 * are attached, what they will take is checked against it; and an EMFILE or
 * ENFILE from anywhere (libbpf, socket(), rtnetlink, Node) is said as what
 * it is, with how many are needed and what to do, never as the misleading
 * failure it causes further on (a libbpf load, or "is AF_PACKET built in?").
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import { Errno, errnoName, isDescriptorErrno, SockexError } from '../errors.js';
import { ANY_INTERFACE } from '../model/counters.js';
import type { Native } from './libbpf/index.js';

const RLIMIT_NOFILE = 7;

/**
 * What one attached filter holds open, measured (test/e2e/descriptors.test.ts
 * finds the count to the descriptor): its maps (counters, .rodata; -i any's
 * link-header maps; --by's tables) and a duplicate of each counter map (so a
 * reload keeps counting into them), the program, its BTF, the AF_PACKET
 * socket and the rtnetlink socket that follows the interface; -i any also
 * the eventfd that wakes its notification watch.
 */
export const DESCRIPTORS_PER_FILTER = { protocol: 9, breakdown: 11, any: 13, anyBreakdown: 15, owner: 15, anyOwner: 19 } as const;

/**
 * --by process/user/cgroup's socket hooks, once per run whatever the
 * filters (measured like the filters): held, their 4 maps, 5 programs, 5
 * links and BTF; at peak, while the seed's iterators run, 10 more. A filter
 * of theirs (owner, anyOwner above) holds the breakdown's plus the 3 owner
 * maps it takes over and its namespace's cookie.
 */
export const WHO_DESCRIPTORS = { held: 15, peak: 25 } as const;

interface DescriptorLimit {
  readonly soft: number;
  readonly hard: number;
}

/**
 * Raise the soft RLIMIT_NOFILE to the hard one. Node does the same at its
 * start today; sockex does not rely on that. A failure here (there is none
 * for soft <= hard) is left to the budget's check to say.
 */
export function raiseDescriptorLimit(native: Native): void {
  const limit = readLimit(native);
  if (limit && limit.soft < limit.hard) native.libc.setrlimit(RLIMIT_NOFILE, { cur: limit.hard, max: limit.hard });
}

function readLimit(native: Native): DescriptorLimit | undefined {
  const limit: { cur?: number | bigint; max?: number | bigint } = {};
  if (native.libc.getrlimit(RLIMIT_NOFILE, limit) < 0) return undefined;
  // RLIM_INFINITY (a bigint) is no real descriptor limit on Linux; as a Number it never binds.
  return { soft: Number(limit.cur), hard: Number(limit.max) };
}

/** How many descriptors are open now; undefined without /proc. */
function openDescriptors(): number | undefined {
  try {
    // The listing's own descriptor is open while it is read.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The descriptors a run's filters will take, and what to say when they run out. */
export class DescriptorBudget {
  private readonly filters: number;
  private readonly per: number;
  private readonly any: boolean;
  /** The socket hooks' (--by process/user/cgroup), once: 0 without them. */
  private readonly hooks: number;
  private openBefore: number | undefined;

  constructor(private readonly native: Native, interfaces: readonly string[], breakdown: boolean, owners = false) {
    this.any = interfaces.includes(ANY_INTERFACE);
    this.filters = this.any ? 1 : interfaces.length;
    const kind = owners ? 'owner' : breakdown ? 'breakdown' : undefined;
    this.per = DESCRIPTORS_PER_FILTER[this.any ? (kind === 'owner' ? 'anyOwner' : kind === 'breakdown' ? 'anyBreakdown' : 'any') : (kind ?? 'protocol')];
    this.hooks = owners ? WHO_DESCRIPTORS.held : 0;
  }

  /**
   * Before attaching: refuse at once when the filters cannot fit under the
   * soft limit. Short of descriptors, libbpf's loads fail in odd ways (its
   * feature probes fail too, and the verifier is handed a program whose maps
   * were never created), so this is checked, not tried.
   */
  check(): void {
    this.openBefore = openDescriptors();
    const limit = readLimit(this.native);
    if (!limit || this.openBefore === undefined || this.needed() <= limit.soft) return;
    throw this.shortage(`too few file descriptors (the next open would fail with EMFILE)`, limit);
  }

  /** err as the shortage it is (exit code 11) if it is an EMFILE or ENFILE, sockex's or Node's; anything else as it was. */
  explain(err: unknown): unknown {
    const errno = errnoOf(err);
    if (errno === undefined || !isDescriptorErrno(errno)) return err;
    const call = (err as { syscall?: unknown }).syscall;
    const where = `${errnoName(errno)}${typeof call === 'string' ? ` at ${call}` : ''}`;
    if (Math.abs(errno) === Errno.ENFILE) {
      return new SockexError('out-of-descriptors', `the system is out of file descriptors (${where}): close other programs' files, or raise fs.file-max (sysctl)`);
    }
    return this.shortage(`out of file descriptors (${where})`, readLimit(this.native));
  }

  private needed(): number {
    return (this.openBefore ?? 0) + this.filters * this.per + this.hooks;
  }

  private shortage(headline: string, limit: DescriptorLimit | undefined): SockexError {
    const needed = this.needed();
    const who = this.any ? '-i any needs' : `${this.filters} interface${this.filters === 1 ? ' needs' : 's need'}`;
    const each = `${this.any ? `${this.per} for its filter` : `${this.per} each`}${this.hooks > 0 ? `, ${this.hooks} for the socket hooks` : ''}`;
    const already = this.openBefore === undefined ? '' : `, ${this.openBefore} open already`;
    const allowed = !limit ? '' : `, and this process may open ${limit.soft}${limit.soft === limit.hard ? ' (its hard limit)' : ` (hard limit ${limit.hard})`}`;
    // Room to spare, and above the limit that was met.
    const raise = Math.ceil(Math.max(needed + 64, (limit?.hard ?? 0) + 1) / 1024) * 1024;
    return new SockexError(
      'out-of-descriptors',
      `${headline}: ${who} about ${needed} (${each}${already})${allowed}; raise the hard limit: ulimit -Hn ${raise} as root before sockex, or LimitNOFILE=${raise} in its systemd unit`,
    );
  }
}

/**
 * Whether count descriptors can be opened now: opens that many (of
 * /dev/null) and closes them, so an EMFILE is met here, said as what it is
 * (the budget's explain), and not where libbpf would meet it: short of
 * descriptors for its BTF, libbpf goes on without and the kernel refuses
 * the socket storage map with EINVAL.
 */
export function ensureDescriptors(count: number): void {
  const opened: number[] = [];
  try {
    for (let i = 0; i < count; i++) opened.push(openSync('/dev/null', 'r'));
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

/** A SyscallError's errno, or a Node system error's (code "EMFILE"). */
function errnoOf(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const { errno, code } = err as { errno?: unknown; code?: unknown };
  if (typeof code === 'string' && Object.hasOwn(Errno, code)) return Errno[code as keyof typeof Errno];
  return typeof errno === 'number' ? errno : undefined;
}
