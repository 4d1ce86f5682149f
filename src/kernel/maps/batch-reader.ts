/**
 * The syscalls that read the filters' per-CPU maps, into buffers allocated
 * once: one batched lookup a map (key by key before Linux 5.6), or one plain
 * lookup of a single element.
 */
import { ENOTSUPP, Errno, errnoName, SyscallError } from '../../errors.js';
import { COUNTER_SIZE } from './layout.js';
import type { Native } from '../libbpf/index.js';

/** What a kernel without BPF_MAP_LOOKUP_BATCH (before 5.6) answers. */
const NO_BATCH_ERRNOS = new Set([Errno.EINVAL, Errno.EOPNOTSUPP, ENOTSUPP]);

/**
 * Whole-map reads of per-CPU maps: one bpf_map_lookup_batch call per map
 * into buffers allocated once.
 */
export class BatchReader {
  readonly cpus: number;
  private readonly native: Native;
  /** False once the kernel said it has no batched lookups (before 5.6): key by key from then on. */
  private batched: boolean;

  constructor(native: Native, options: { batched?: boolean } = {}) {
    this.native = native;
    this.batched = options.batched ?? true;
    const cpus = native.libbpf.numPossibleCpus();
    if (cpus <= 0) throw new SyscallError('syscall', 'libbpf_num_possible_cpus', -cpus, `cannot count the CPUs (${errnoName(cpus)})`);
    this.cpus = cpus;
  }

  buffers(capacity: number, keySize: number): BatchBuffers {
    return batchBuffers(capacity, keySize, this.cpus);
  }

  /** Reads one element (every CPU's copy) into value. */
  lookupOne(fd: number, key: Buffer, value: Buffer, what: string): void {
    const err = this.native.libbpf.mapLookupElem(fd, key, value);
    if (err < 0) throw new SyscallError('syscall', 'bpf_map_lookup_elem', -err, `cannot read ${what} (${errnoName(err)})`);
  }

  /** Reads every entry of the map into b; returns how many it holds. */
  lookupAll(fd: number, b: BatchBuffers, what: string): number {
    if (this.batched) {
      b.count.writeUInt32LE(b.capacity);
      const err = this.native.libbpf.mapLookupBatch(fd, null, b.outBatch, b.keys, b.values, b.count, null);
      // -ENOENT only says the map ended before the batch did.
      if (err >= 0 || err === -Errno.ENOENT) return b.count.readUInt32LE();
      if (!NO_BATCH_ERRNOS.has(-err)) {
        throw new SyscallError('syscall', 'bpf_map_lookup_batch', -err, `cannot read ${what} (${errnoName(err)})`);
      }
      this.batched = false;
    }
    return this.lookupKeyByKey(fd, b, what);
  }

  /** The pre-5.6 way: walk the keys, one lookup each (two syscalls per entry). */
  private lookupKeyByKey(fd: number, b: BatchBuffers, what: string): number {
    const { libbpf } = this.native;
    const valueSize = this.cpus * COUNTER_SIZE;
    let n = 0;
    let previous: Buffer | null = null;
    while (n < b.capacity) {
      const key = b.keys.subarray(n * b.keySize, (n + 1) * b.keySize);
      const err = libbpf.mapGetNextKey(fd, previous, key);
      if (err === -Errno.ENOENT) break;
      if (err < 0) throw new SyscallError('syscall', 'bpf_map_get_next_key', -err, `cannot read ${what} (${errnoName(err)})`);
      const lookup = libbpf.mapLookupElem(fd, key, b.values.subarray(n * valueSize, (n + 1) * valueSize));
      previous = key;
      // A hash entry deleted between the two calls: nothing to count, and its key still leads on.
      if (lookup === -Errno.ENOENT) {
        b.values.fill(0, n * valueSize, (n + 1) * valueSize);
      } else if (lookup < 0) {
        throw new SyscallError('syscall', 'bpf_map_lookup_elem', -lookup, `cannot read ${what} (${errnoName(lookup)})`);
      }
      n += 1;
    }
    return n;
  }
}

export interface BatchBuffers {
  capacity: number;
  keySize: number;
  keys: Buffer;
  values: Buffer;
  outBatch: Buffer;
  count: Buffer;
}

export function batchBuffers(capacity: number, keySize: number, cpus: number): BatchBuffers {
  return {
    capacity,
    keySize,
    keys: Buffer.alloc(capacity * keySize),
    values: Buffer.alloc(capacity * cpus * COUNTER_SIZE),
    // Large enough for any map's batch token (a key for hash maps).
    outBatch: Buffer.alloc(Math.max(keySize, 8)),
    count: Buffer.alloc(4),
  };
}
