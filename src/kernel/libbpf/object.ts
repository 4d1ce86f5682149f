/**
 * A compiled BPF object (bpf/build/*.bpf.o) opened and loaded with libbpf:
 * one program and the map file descriptors user space reads.
 */
import { existsSync } from 'node:fs';
import { Errno, errnoName, isDescriptorErrno, isPermissionErrno, PERMISSION_HINT, SockexError, SyscallError, VerifierError } from '../../errors.js';
import { libbpfLog, type LibbpfMessage } from './log.js';
import { loadNative, type Native } from './native.js';


/** Room for the verifier's log; the kernel writes it only when a load fails. */
const VERIFIER_LOG_SIZE = 1 << 20;

export interface LoadedObject {
  readonly programFd: number;
  mapFd(name: string): number;
  /** libbpf's handle of another program of the object, loaded with it (for bpf_program__attach_*). */
  program(name: string): unknown;
  /** Unloads the object (the program stays while a socket holds it). Safe to call twice. */
  close(): void;
}

/** What to set in an object before it is loaded. */
export interface LoadSettings {
  /** Map sizes by map name (the object's own sizes otherwise). */
  readonly mapSizes?: Readonly<Record<string, number>>;
  /**
   * The initial value of its .rodata (const volatile globals), so the
   * verifier sees those values as constants.
   */
  readonly readOnlyData?: Buffer;
  /** The initial values of other data sections (".rodata.who": name -> bytes), set like readOnlyData. */
  readonly sections?: ReadonlyMap<string, Buffer>;
  /**
   * Maps to take over instead of creating them (name -> fd of a map already
   * loaded): a filter loaded again goes on counting in the same counters.
   */
  readonly reuseMaps?: ReadonlyMap<string, number>;
}

export function loadObject(path: string, programName: string, native: Native = loadNative(), { mapSizes = {}, readOnlyData, sections = new Map(), reuseMaps = new Map() }: LoadSettings = {}): LoadedObject {
  const { koffi, libbpf } = native;
  if (!existsSync(path)) {
    throw new SockexError(
      'object-missing',
      `compiled filter ${path} not found: build it with "npm run build" (needs clang), or reinstall the sockex package`,
    );
  }
  const messages = libbpfLog(native);
  const logStart = messages.mark();
  const lastWarning = (): string => lastWarningOf(messages.since(logStart));

  // Open: parse the ELF and its BTF, nothing reaches the kernel yet.
  const obj = libbpf.openFile(path, null);
  if (!obj) {
    const errno = native.errno();
    if (isDescriptorErrno(errno)) throw outOfDescriptors('bpf_object__open_file', errno, path);
    throw new SockexError(
      'object-invalid',
      `cannot open ${path} (${errnoName(errno)}${lastWarning()}): it is truncated or not a BPF object; rebuild it with "npm run build"`,
    );
  }
  let logBuffer: unknown;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    libbpf.close(obj);
    if (logBuffer) koffi.free(logBuffer);
  };

  try {
    const prog = libbpf.findProgram(obj, programName);
    if (!prog) {
      throw new SockexError('object-invalid', `${path} has no program named ${programName}: rebuild it with "npm run build"`);
    }
    for (const [name, size] of Object.entries(mapSizes)) {
      const map = libbpf.findMap(obj, name);
      if (!map) throw new SockexError('object-invalid', `${path} has no map named ${name}: rebuild it with "npm run build"`);
      const err = libbpf.mapSetMaxEntries(map, size);
      if (err < 0) throw new SockexError('object-invalid', `cannot size map ${name} of ${path} to ${size} entries (${errnoName(err)})`);
    }
    for (const [name, fd] of reuseMaps) {
      const map = libbpf.findMap(obj, name);
      const err = map ? libbpf.mapReuseFd(map, fd) : -1;
      if (err < 0) throw new SockexError('object-invalid', `cannot take over map ${name} for ${path} (${map ? errnoName(err) : 'no such map'}): rebuild it with "npm run build"`);
    }
    if (readOnlyData) setSectionData(native, obj, path, '.rodata', readOnlyData);
    for (const [section, data] of sections) setSectionData(native, obj, path, section, data);
    logBuffer = koffi.alloc('char', VERIFIER_LOG_SIZE);
    libbpf.setLogBuf(prog, logBuffer, VERIFIER_LOG_SIZE);

    // Load: create the maps, then hand the program to the verifier and the JIT.
    const err = libbpf.load(obj);
    if (err < 0) {
      // Before the verifier's log: a program it accepted can still fail for want of a descriptor.
      if (isDescriptorErrno(err)) throw outOfDescriptors('bpf_object__load', err, path);
      if (err === -Errno.EAGAIN) {
        // The verifier stops at a pending signal; a profiler's timer keeps one pending.
        throw new SockexError(
          'verifier-rejected',
          `loading ${programName} was interrupted by signals (EAGAIN): run sockex without a profiler or other signal source`,
        );
      }
      const log = (koffi.decode(logBuffer, 'char', -1) as string).trim();
      if (log !== '') throw new VerifierError(programName, err, log);
      if (isPermissionErrno(err)) {
        throw new SockexError('permission', `not allowed to load BPF programs (${errnoName(err)}): ${PERMISSION_HINT}`);
      }
      throw new SockexError(
        'object-invalid',
        // --verbose has echoed libbpf's log as it came: no detail to repeat it.
        `libbpf could not load ${path} (${errnoName(err)}${lastWarning()}); run with --verbose for libbpf's log`,
      );
    }
    const programFd = libbpf.programFd(prog);
    return {
      programFd,
      mapFd(name: string): number {
        const fd = libbpf.mapFdByName(obj, name);
        if (fd < 0) throw new SockexError('object-invalid', `${path} has no map named ${name}: rebuild it with "npm run build"`);
        return fd;
      },
      program(name: string): unknown {
        const other = libbpf.findProgram(obj, name);
        if (!other) throw new SockexError('object-invalid', `${path} has no program named ${name}: rebuild it with "npm run build"`);
        return other;
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

function setSectionData(native: Native, obj: unknown, path: string, section: string, data: Buffer): void {
  // libbpf finds its internal maps by their section name.
  const map = native.libbpf.findMap(obj, section);
  const err = map ? native.libbpf.setInitialValue(map, data, data.length) : -1;
  if (err < 0) {
    throw new SockexError(
      'object-invalid',
      `${path} has no ${data.length}-byte ${section} section (${map ? errnoName(err) : 'none found'}): rebuild it with "npm run build"`,
    );
  }
}

/** main.ts says how many descriptors are needed and what to do (kernel/descriptors.ts). */
function outOfDescriptors(call: string, errno: number, path: string): SyscallError {
  return new SyscallError('out-of-descriptors', call, Math.abs(errno), `libbpf could not load ${path}: out of file descriptors (${errnoName(errno)})`);
}

function lastWarningOf(messages: LibbpfMessage[]): string {
  const warnings = messages.filter((m) => m.level === 'warn');
  const last = warnings[warnings.length - 1];
  return last ? `; libbpf: ${last.text}` : '';
}
