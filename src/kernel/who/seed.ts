/**
 * The seed (bpf/who-seed.bpf.c): owners for the TCP and UDP sockets that
 * existed before start. Its iterators run once each, in order, into the
 * maps of the hooks' object (taken over before load); then it is unloaded.
 */
import { errnoName, SyscallError } from '../../errors.js';
import { loadObject, type LoadedObject, type Native } from '../libbpf/index.js';
import { SEED_PROGRAMS, SHARED_MAPS } from './layout.js';

export function runSeed(native: Native, hooks: Pick<LoadedObject, 'mapFd'>, objectPath: string): void {
  const reuseMaps = new Map(SHARED_MAPS.map((name) => [name, hooks.mapFd(name)]));
  const seed = loadObject(objectPath, SEED_PROGRAMS[0], native, { reuseMaps });
  try {
    for (const name of SEED_PROGRAMS) runIterator(native, seed.program(name), name);
  } finally {
    seed.close();
  }
}

/** One pass of an iterator: it runs while its fd is read, to the end. */
function runIterator(native: Native, program: unknown, name: string): void {
  const { libbpf, libc } = native;
  const link = libbpf.attachIter(program, null);
  if (!link) {
    const errno = native.errno();
    throw new SyscallError('syscall', 'bpf_link_create', errno, `cannot attach the iterator ${name} (${errnoName(errno)})`);
  }
  try {
    const fd = libbpf.iterCreate(libbpf.linkFd(link));
    if (fd < 0) throw new SyscallError('syscall', 'bpf_iter_create', -fd, `cannot run the iterator ${name} (${errnoName(fd)})`);
    try {
      const into = Buffer.alloc(4096);
      for (;;) {
        const n = libc.read(fd, into, into.length);
        if (n === 0) break;
        if (n < 0) {
          const errno = native.errno();
          throw new SyscallError('syscall', 'read', errno, `the iterator ${name} failed (${errnoName(errno)})`);
        }
      }
    } finally {
      libc.close(fd);
    }
  } finally {
    libbpf.linkDestroy(link);
  }
}
