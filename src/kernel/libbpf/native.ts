/**
 * The two native libraries sockex calls through koffi (an FFI with prebuilt
 * binaries inside its npm package, so installing sockex compiles nothing):
 * the system's libbpf.so.1, the kernel's reference loader, and libc for the
 * AF_PACKET socket calls. Bound once, on first use.
 */
import { createRequire } from 'node:module';
import { SockexError } from '../../errors.js';

// koffi ships as CommonJS; createRequire keeps its load synchronous and cheap.
const require = createRequire(import.meta.url);
type Koffi = typeof import('koffi');

interface Libbpf {
  majorVersion(): number;
  minorVersion(): number;
  setPrint(callback: unknown): unknown;
  openFile(path: string, opts: null): unknown;
  load(obj: unknown): number;
  close(obj: unknown): void;
  findProgram(obj: unknown, name: string): unknown;
  programFd(prog: unknown): number;
  setLogBuf(prog: unknown, buf: unknown, size: number): number;
  mapFdByName(obj: unknown, name: string): number;
  findMap(obj: unknown, name: string): unknown;
  /** Before load only: the map's size. */
  mapSetMaxEntries(map: unknown, maxEntries: number): number;
  setInitialValue(map: unknown, data: Buffer, size: number): number;
  /** Before load only: use an existing map (its fd, duplicated) instead of creating one. */
  mapReuseFd(map: unknown, fd: number): number;
  numPossibleCpus(): number;
  mapLookupBatch(
    fd: number,
    inBatch: Buffer | null,
    outBatch: Buffer,
    keys: Buffer,
    values: Buffer,
    count: Buffer,
    opts: null,
  ): number;
  mapLookupElem(fd: number, key: Buffer, value: Buffer): number;
  mapGetNextKey(fd: number, key: Buffer | null, next: Buffer): number;
  mapUpdateElem(fd: number, key: Buffer, value: Buffer, flags: number): number;
  mapDeleteElem(fd: number, key: Buffer): number;
  progTestRun(fd: number, opts: Buffer): number;
  /** A bpf_link of the program on the cgroup (fd of its directory), beside the programs already there; null and errno on failure. */
  attachCgroup(prog: unknown, cgroupFd: number): unknown;
  /** A bpf_link of an iterator program; null and errno on failure. */
  attachIter(prog: unknown, opts: null): unknown;
  linkFd(link: unknown): number;
  /** Detaches (for a cgroup link) and frees the link. */
  linkDestroy(link: unknown): number;
  /** One run of an iterator: read() the fd to the end to run it. */
  iterCreate(linkFd: number): number;
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  close(fd: number): number;
  /** A duplicate of fd that is closed on exec (fcntl F_DUPFD_CLOEXEC), or -1. */
  dupCloexec(fd: number): number;
  send(fd: number, data: Buffer, len: number, flags: number): number;
  recv(fd: number, into: Buffer, len: number, flags: number): number;
  getsockname(fd: number, addr: Buffer, len: Buffer): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  open(path: string, flags: number): number;
  read(fd: number, into: Buffer, length: number): number;
  ifNameToIndex(name: string): number;
  vsnprintf(buf: Buffer, size: number, fmt: unknown, args: unknown): number;
  setresuid(r: number, e: number, s: number): number;
  setresgid(r: number, e: number, s: number): number;
  setgroups(size: number, list: Buffer | null): number;
  /** fds: struct pollfd entries (int fd; short events; short revents). */
  poll(fds: Buffer, count: number, timeoutMs: number): number;
  /**
   * poll() on a libuv threadpool thread (koffi's async call), the result
   * handed to done on the main thread; fds must stay alive until then.
   */
  pollAsync(fds: Buffer, count: number, timeoutMs: number, done: (err: unknown, result: number) => void): void;
  eventfd(initial: number, flags: number): number;
  write(fd: number, data: Buffer, length: number): number;
  /** The 64-bit forms, so the struct is the same on every architecture; RLIM_INFINITY comes back as a bigint. */
  getrlimit(resource: number, into: Partial<Rlimit>): number;
  setrlimit(resource: number, limit: Rlimit): number;
}

/** struct rlimit64: the soft limit and the hard one (the ceiling for the soft). */
export interface Rlimit {
  cur: number | bigint;
  max: number | bigint;
}

export interface Native {
  koffi: Koffi;
  libbpf: Libbpf;
  libc: Libc;
  /** errno of the last native call on this thread. */
  errno(): number;
}

/** fcntl's command for a duplicate fd with FD_CLOEXEC set. */
const F_DUPFD_CLOEXEC = 1030;

/** The oldest libbpf whose API sockex relies on (bpf_program__set_log_buf). */
const MIN_LIBBPF = { major: 1, minor: 0 } as const;

let native: Native | undefined;

export function loadNative(): Native {
  if (native) return native;
  let koffi: Koffi;
  try {
    koffi = require('koffi') as Koffi;
  } catch (err) {
    // The single executable's own reason (src/sea/embedded-files.ts) says what to do.
    if (err instanceof SockexError) throw err;
    throw new SockexError(
      'libbpf-missing',
      `cannot load koffi, the FFI sockex uses (${(err as Error).message.split('\n')[0]}): reinstall sockex with npm`,
    );
  }
  let bpf: ReturnType<Koffi['load']>;
  try {
    bpf = koffi.load('libbpf.so.1');
  } catch (err) {
    // dlopen's reason (not found, not an ELF object, wrong architecture) is the useful part.
    const reason = (err as Error).message.split('\n')[0]?.replace(/^Failed to load shared library:\s*/, '') ?? '';
    throw new SockexError(
      'libbpf-missing',
      `cannot load libbpf.so.1 (${reason}): install it (Debian/Ubuntu: apt-get install libbpf1; Fedora: dnf install libbpf)`,
    );
  }
  const c = koffi.load('libc.so.6');
  // Anonymous: a second copy of this module (the bundle beside dist/) may bind it again.
  const rlimit = koffi.pointer(koffi.struct({ cur: 'uint64_t', max: 'uint64_t' }));

  // The version first: an old libbpf lacks functions bound below, and
  // "too old" is the message that tells the user what to do.
  const majorVersion = bindOrTooOld<() => number>(bpf, 'uint32_t libbpf_major_version(void)');
  const minorVersion = bindOrTooOld<() => number>(bpf, 'uint32_t libbpf_minor_version(void)');
  const version = { major: majorVersion(), minor: minorVersion() };
  if (version.major < MIN_LIBBPF.major || (version.major === MIN_LIBBPF.major && version.minor < MIN_LIBBPF.minor)) {
    throw new SockexError(
      'libbpf-too-old',
      `libbpf ${version.major}.${version.minor} is too old: sockex needs ${MIN_LIBBPF.major}.${MIN_LIBBPF.minor} or newer (Debian 12, Ubuntu 22.04 and later ship it)`,
    );
  }
  const f = <T>(signature: string): T => bindOrTooOld<T>(bpf, signature);

  const libbpf: Libbpf = {
    majorVersion,
    minorVersion,
    setPrint: f('void *libbpf_set_print(void *fn)'),
    openFile: f('void *bpf_object__open_file(const char *path, const void *opts)'),
    load: f('int bpf_object__load(void *obj)'),
    close: f('void bpf_object__close(void *obj)'),
    findProgram: f('void *bpf_object__find_program_by_name(const void *obj, const char *name)'),
    programFd: f('int bpf_program__fd(const void *prog)'),
    setLogBuf: f('int bpf_program__set_log_buf(void *prog, void *buf, size_t size)'),
    mapFdByName: f('int bpf_object__find_map_fd_by_name(const void *obj, const char *name)'),
    findMap: f('void *bpf_object__find_map_by_name(const void *obj, const char *name)'),
    mapSetMaxEntries: f('int bpf_map__set_max_entries(void *map, uint32_t max_entries)'),
    setInitialValue: f('int bpf_map__set_initial_value(void *map, const void *data, size_t size)'),
    mapReuseFd: f('int bpf_map__reuse_fd(void *map, int fd)'),
    numPossibleCpus: f('int libbpf_num_possible_cpus(void)'),
    mapLookupBatch: f(
      'int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, uint32_t *count, const void *opts)',
    ),
    mapLookupElem: f('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
    mapGetNextKey: f('int bpf_map_get_next_key(int fd, const void *key, void *next_key)'),
    mapUpdateElem: f('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
    mapDeleteElem: f('int bpf_map_delete_elem(int fd, const void *key)'),
    progTestRun: f('int bpf_prog_test_run_opts(int prog_fd, void *opts)'),
    attachCgroup: f('void *bpf_program__attach_cgroup(const void *prog, int cgroup_fd)'),
    attachIter: f('void *bpf_program__attach_iter(const void *prog, const void *opts)'),
    linkFd: f('int bpf_link__fd(const void *link)'),
    linkDestroy: f('int bpf_link__destroy(void *link)'),
    iterCreate: f('int bpf_iter_create(int link_fd)'),
  };
  const poll = c.func('int poll(void *fds, unsigned long nfds, int timeout)') as Libc['poll'];
  const libc: Libc = {
    socket: c.func('int socket(int domain, int type, int protocol)'),
    bind: c.func('int bind(int fd, const void *addr, uint32_t len)'),
    setsockopt: c.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    close: c.func('int close(int fd)'),
    dupCloexec: ((fcntl: (fd: number, cmd: number, ...rest: unknown[]) => number) => (fd: number) => fcntl(fd, F_DUPFD_CLOEXEC, 'int', 0))(
      c.func('int fcntl(int fd, int cmd, ...)'),
    ),
    send: c.func('intptr_t send(int fd, const void *data, size_t len, int flags)'),
    recv: c.func('intptr_t recv(int fd, void *into, size_t len, int flags)'),
    getsockname: c.func('int getsockname(int fd, void *addr, void *len)'),
    getsockopt: c.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    open: c.func('int open(const char *path, int flags)'),
    read: c.func('intptr_t read(int fd, void *into, size_t len)'),
    ifNameToIndex: c.func('uint32_t if_nametoindex(const char *name)'),
    vsnprintf: c.func('int vsnprintf(void *buf, size_t size, const char *fmt, void *args)'),
    setresuid: c.func('int setresuid(uint32_t r, uint32_t e, uint32_t s)'),
    setresgid: c.func('int setresgid(uint32_t r, uint32_t e, uint32_t s)'),
    setgroups: c.func('int setgroups(size_t size, const void *list)'),
    poll,
    pollAsync: (fds, count, timeoutMs, done) => (poll as unknown as { async: Libc['pollAsync'] }).async(fds, count, timeoutMs, done),
    eventfd: c.func('int eventfd(unsigned int initval, int flags)'),
    write: c.func('intptr_t write(int fd, const void *data, size_t len)'),
    getrlimit: c.func('getrlimit64', 'int', ['int', koffi.out(rlimit)]),
    setrlimit: c.func('setrlimit64', 'int', ['int', rlimit]),
  };

  native = { koffi, libbpf, libc, errno: () => koffi.errno() };
  return native;
}

/** A libbpf function, or "too old" naming the one this libbpf lacks. */
function bindOrTooOld<T>(lib: ReturnType<Koffi['load']>, signature: string): T {
  try {
    return lib.func(signature) as T;
  } catch {
    const name = /([A-Za-z_0-9]+)\(/.exec(signature)?.[1] ?? signature;
    throw new SockexError(
      'libbpf-too-old',
      `the installed libbpf.so.1 has no ${name}: it is too old or not libbpf; sockex needs libbpf ${MIN_LIBBPF.major}.${MIN_LIBBPF.minor} or newer (Debian 12, Ubuntu 22.04 and later ship it)`,
    );
  }
}
