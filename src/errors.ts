/**
 * Every error sockex expects carries a stable code, an exit status and a
 * message that says what to do. Only main.ts turns them into output.
 */
import { constants as osConstants } from 'node:os';

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  permission: 3,
  interface: 4,
  object: 5,
  verifier: 6,
  libbpf: 7,
  metrics: 8,
  io: 9,
  output: 10,
  descriptors: 11,
  cgroup: 12,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'permission'
  | 'no-such-interface'
  | 'interface-lost'
  | 'object-missing'
  | 'object-invalid'
  | 'verifier-rejected'
  | 'libbpf-missing'
  | 'libbpf-too-old'
  | 'metrics-address'
  | 'syscall'
  | 'output-failed'
  | 'out-of-descriptors'
  | 'cgroup-missing';

const exitCodes: Record<ErrorCode, ExitCode> = {
  usage: ExitCode.usage,
  permission: ExitCode.permission,
  'no-such-interface': ExitCode.interface,
  'interface-lost': ExitCode.interface,
  'object-missing': ExitCode.object,
  'object-invalid': ExitCode.object,
  'verifier-rejected': ExitCode.verifier,
  'libbpf-missing': ExitCode.libbpf,
  'libbpf-too-old': ExitCode.libbpf,
  'metrics-address': ExitCode.metrics,
  syscall: ExitCode.io,
  'output-failed': ExitCode.output,
  'out-of-descriptors': ExitCode.descriptors,
  'cgroup-missing': ExitCode.cgroup,
};

export class SockexError extends Error {
  readonly code: ErrorCode;
  /** Longer detail (e.g. the verifier log), shown with --verbose only. */
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'SockexError';
    this.code = code;
    this.detail = detail;
  }

  get exitCode(): ExitCode {
    return exitCodes[this.code];
  }
}

const SOCKEX_ERROR_NAMES = new Set(['SockexError', 'SyscallError', 'VerifierError']);

/**
 * The SockexError err is, recognised by its name and stable code rather than
 * by instanceof alone: a second copy of this module (a bundle beside an
 * unbundled import) has classes of its own, and its errors must still get
 * their exit codes.
 */
export function asSockexError(err: unknown): Pick<SockexError, 'code' | 'message' | 'detail' | 'exitCode'> | undefined {
  if (err instanceof SockexError) return err;
  if (!(err instanceof Error) || !SOCKEX_ERROR_NAMES.has(err.name)) return undefined;
  const { code, detail } = err as Partial<Record<'code' | 'detail', unknown>>;
  if (typeof code !== 'string' || !Object.hasOwn(exitCodes, code)) return undefined;
  const known = code as ErrorCode;
  return { code: known, message: err.message, detail: typeof detail === 'string' ? detail : undefined, exitCode: exitCodes[known] };
}

/** A failed system call: which call, the errno, and what to do about it. */
export class SyscallError extends SockexError {
  readonly syscall: string;
  readonly errno: number;

  constructor(code: ErrorCode, syscall: string, errno: number, message: string) {
    super(code, message);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.errno = errno;
  }
}

/** The kernel's verifier refused the filter; keeps the whole log. */
export class VerifierError extends SockexError {
  readonly log: string;

  constructor(program: string, errno: number, log: string, shownLines = 4) {
    const lines = log.split('\n').filter((line) => line.trim() !== '');
    const tail = lines.slice(-shownLines);
    const omitted = lines.length - tail.length;
    const summary = tail.length > 0 ? `: ${tail.join(' | ')}` : '';
    const more = omitted > 0 ? ` (${omitted} earlier log lines omitted; run with --verbose to see them)` : '';
    super(
      'verifier-rejected',
      `the kernel verifier rejected program ${program} (${errnoName(errno)})${summary}${more}`,
      log,
    );
    this.name = 'VerifierError';
    this.log = log;
  }
}

/** Errno numbers by name, and names by number, as Node knows them for this platform. */
export const Errno = osConstants.errno;
/** The kernel's own "not supported" (kernel-internal: libc has no name for it), which some BPF commands return. */
export const ENOTSUPP = 524;
const errnoNames = new Map<number, string>(Object.entries(Errno).map(([name, number]) => [number, name]));
// Kernel-internal and libbpf codes that libc does not name.
errnoNames.set(ENOTSUPP, 'ENOTSUPP');
errnoNames.set(4007, 'LIBBPF_ERRNO__PROG2BIG');

export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

export function isPermissionErrno(errno: number): boolean {
  const e = Math.abs(errno);
  return e === Errno.EPERM || e === Errno.EACCES;
}

/** Out of file descriptors: this process's limit (EMFILE) or the whole system's (ENFILE). */
export function isDescriptorErrno(errno: number): boolean {
  const e = Math.abs(errno);
  return e === Errno.EMFILE || e === Errno.ENFILE;
}

/**
 * Text fit to print on a terminal: every character as it is (interface names
 * may be any UTF-8: hxé), except control characters (C0, DEL, C1), which a
 * terminal would act on, written as \xNN.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const PERMISSION_HINT =
  'run it as root (sudo sockex ...), or give it CAP_BPF and CAP_NET_RAW (see "Privileges" in the README)';
