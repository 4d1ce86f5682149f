/**
 * The socket hooks of --by process/user/cgroup (bpf/who.bpf.c), loaded and
 * attached at the cgroup v2 root with bpf_link: at the root they run for
 * every socket of every process in every network namespace, and a link
 * (BPF_F_ALLOW_MULTI) leaves whatever else is attached there in place.
 * Then the seed (seed.ts) gives the sockets from before start their owners.
 * close() detaches in reverse order; nothing outlives the process anyway
 * (a link dies with its last descriptor).
 */
import { errnoName, isPermissionErrno, SockexError, SyscallError } from '../../errors.js';
import { findCgroup2Root } from '../cgroups/index.js';
import { ensureDescriptors, WHO_DESCRIPTORS } from '../descriptors.js';
import { loadObject, type LoadedObject, type Native } from '../libbpf/index.js';
import { OWNER_LAYOUT, OWNERS_LOST_MAP, WHO_PROGRAMS } from './layout.js';
import { missingWhoCapabilitiesHere } from './capabilities.js';
import { runSeed } from './seed.js';
import { FlowSweep } from './sweep.js';

const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;

/** What to do when the hooks may not be attached. */
const WHO_PRIVILEGE_HINT =
  'run it as root (sudo sockex ...), or give it CAP_BPF, CAP_NET_RAW, CAP_NET_ADMIN and CAP_PERFMON (see "Privileges" in the README)';

export interface WhoHooks {
  /** The fd of one of who.bpf.o's maps (for the tap to take over before its load). */
  mapFd(name: string): number;
  /** Flows and bound ports that found their table full since start (their frames went to "none"). */
  lost(): { flows: number; bound: number };
  /** Deletes the flows idle for longer than the grace time; returns how many. */
  sweep(nowNs?: bigint): number;
  /** The egress hook's program (the one that runs per frame), for the benchmark's kernel statistics. */
  readonly egressFd: number;
  /** Detach the hooks, unload. Safe to call twice. */
  close(): void;
}

/** Where the compiled hooks (who.bpf.o) and seed (who-seed.bpf.o) are. */
export interface WhoObjects {
  readonly hooks: string;
  readonly seed: string;
}

export interface WhoOptions {
  /** The cgroup2 mount (found in /proc/self/mounts otherwise). */
  cgroupRoot?: string | undefined;
  /** How long a flow may be idle before the sweep deletes it (default 60 s). */
  graceNs?: bigint;
}

export function attachWhoHooks(native: Native, objects: WhoObjects, options: WhoOptions = {}): WhoHooks {
  const root = options.cgroupRoot ?? findCgroup2Root();
  if (root === undefined) {
    throw new SockexError(
      'cgroup-missing',
      'no cgroup v2 hierarchy is mounted here (none in /proc/self/mounts), and --by process/user/cgroup need one: mount it (mount -t cgroup2 none /sys/fs/cgroup), name one with --cgroup2 PATH, or use --by port/host',
    );
  }
  const missing = missingWhoCapabilitiesHere();
  if (missing.length > 0) {
    throw new SockexError('permission', `--by process/user/cgroup attach socket hooks, which need ${missing.join(', ')} too: ${WHO_PRIVILEGE_HINT}`);
  }
  // Room for the hooks and the seed, checked: libbpf short of descriptors fails as EINVAL, not EMFILE.
  ensureDescriptors(WHO_DESCRIPTORS.peak);
  // Load: the hooks and their maps (the owners' storage, flows, bound).
  const object = loadObject(objects.hooks, 'sockex_who_egress', native);
  const links: unknown[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // Reverse order: each link detaches its program, then the object goes.
    for (const link of links.reverse()) native.libbpf.linkDestroy(link);
    object.close();
  };
  try {
    attachAtRoot(native, object, root, links);
    // Seed after attaching: a socket created in between has its owner from sock_create, which the seed keeps.
    runSeed(native, object, objects.seed);
    const sweep = new FlowSweep(native, object.mapFd('flows'), options.graceNs);
    const lostFd = object.mapFd(OWNERS_LOST_MAP);
    return {
      mapFd: (name) => object.mapFd(name),
      lost: () => readLost(native, lostFd),
      sweep: (nowNs) => sweep.run(nowNs),
      egressFd: object.programFd,
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

function attachAtRoot(native: Native, object: LoadedObject, root: string, links: unknown[]): void {
  const { libbpf, libc } = native;
  const fd = libc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const errno = native.errno();
    throw new SyscallError('syscall', 'open', errno, `cannot open the cgroup2 root ${root} (${errnoName(errno)})`);
  }
  try {
    for (const name of WHO_PROGRAMS) {
      const link = libbpf.attachCgroup(object.program(name), fd);
      if (!link) {
        const errno = native.errno();
        if (isPermissionErrno(-errno)) {
          throw new SockexError('permission', `not allowed to attach to the cgroup2 root ${root} (${errnoName(errno)}): ${WHO_PRIVILEGE_HINT}`);
        }
        throw new SyscallError('syscall', 'bpf_link_create', errno, `cannot attach ${name} to the cgroup2 root ${root} (${errnoName(errno)})`);
      }
      links.push(link);
    }
  } finally {
    // The links hold the cgroup; its descriptor is no longer needed.
    libc.close(fd);
  }
}

function readLost(native: Native, fd: number): { flows: number; bound: number } {
  const cpus = native.libbpf.numPossibleCpus();
  const value = Buffer.alloc(cpus * 8);
  const key = Buffer.alloc(4);
  const slot = (index: number): number => {
    key.writeUInt32LE(index);
    const err = native.libbpf.mapLookupElem(fd, key, value);
    if (err < 0) throw new SyscallError('syscall', 'bpf_map_lookup_elem', -err, `cannot read the owners lost (${errnoName(err)})`);
    let total = 0;
    for (let cpu = 0; cpu < cpus; cpu++) total += Number(value.readBigUInt64LE(cpu * 8));
    return total;
  };
  return { flows: slot(OWNER_LAYOUT.SOCKEX_LOST_FLOWS), bound: slot(OWNER_LAYOUT.SOCKEX_LOST_BOUND) };
}
