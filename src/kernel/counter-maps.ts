/**
 * Reads the filter's two per-CPU maps into buffers allocated once and sums
 * the CPUs: ip_counters (one element holding every slot) with one plain
 * lookup, other_counters with one batched lookup.
 */
import { SyscallError, errnoName } from '../errors.js';
import {
  ARRAY_SLOTS,
  CPU_MAJOR_TABLE,
  TABLE_SIZE,
  COUNTER_SIZE,
  LAYOUT,
  OTHER_KEY_SIZE,
  decodeOtherKey,
  decodeSlot,
  sumPerCpu,
  type SlotKey,
  type Totals,
} from './layout.js';
import type { Native } from './native.js';

const ENOENT = 2;
/** What a kernel without BPF_MAP_LOOKUP_BATCH (before 5.6) answers. */
const NO_BATCH_ERRNOS = new Set([22 /* EINVAL */, 95 /* EOPNOTSUPP */, 524 /* ENOTSUPP */]);

export type SlotReading = SlotKey & Totals;

export interface CounterMaps {
  /** Every counter that is not zero, cumulative since the maps were created. */
  read(): SlotReading[];
  /** What the last read() cost: syscalls and bytes copied from the kernel. */
  readonly lastReadCost: { syscalls: number; bytes: number };
}

export function openCounterMaps(native: Native, ipMapFd: number, otherMapFd: number): CounterMaps {
  const reader = new BatchReader(native);
  // ip_counters is one element holding every slot: one plain lookup copies each CPU's table.
  const table = Buffer.alloc(reader.cpus * TABLE_SIZE);
  const zeroKey = Buffer.alloc(4);
  const other = reader.buffers(LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE);
  return {
    get lastReadCost() {
      return reader.lastReadCost;
    },
    read(): SlotReading[] {
      reader.startRead();
      const out: SlotReading[] = [];
      reader.lookupOne(ipMapFd, zeroKey, table, 'the IP counters');
      for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
        const totals = sumPerCpu(table, slot, reader.cpus, CPU_MAJOR_TABLE);
        if (totals) out.push({ ...decodeSlot(slot), ...totals });
      }
      const otherCount = reader.lookupAll(otherMapFd, other, 'the non-IP counters');
      for (let i = 0; i < otherCount; i++) {
        const totals = sumPerCpu(other.values, i, reader.cpus);
        if (totals) out.push({ ...decodeOtherKey(other.keys, i * OTHER_KEY_SIZE), ...totals });
      }
      return out;
    },
  };
}

/**
 * Whole-map reads of per-CPU maps: one bpf_map_lookup_batch call per map
 * into buffers allocated once, with what each read cost counted.
 */
export class BatchReader {
  readonly cpus: number;
  private readonly native: Native;
  private readonly cost = { syscalls: 0, bytes: 0 };
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

  /** Syscalls and bytes copied from the kernel since startRead(). */
  get lastReadCost(): { syscalls: number; bytes: number } {
    return { ...this.cost };
  }

  startRead(): void {
    this.cost.syscalls = 0;
    this.cost.bytes = 0;
  }

  /** Reads one element (every CPU's copy) into value. */
  lookupOne(fd: number, key: Buffer, value: Buffer, what: string): void {
    const err = this.native.libbpf.mapLookupElem(fd, key, value);
    this.cost.syscalls += 1;
    if (err < 0) throw new SyscallError('syscall', 'bpf_map_lookup_elem', -err, `cannot read ${what} (${errnoName(err)})`);
    this.cost.bytes += key.length + value.length;
  }

  /** Reads every entry of the map into b; returns how many it holds. */
  lookupAll(fd: number, b: BatchBuffers, what: string): number {
    if (this.batched) {
      b.count.writeUInt32LE(b.capacity);
      const err = this.native.libbpf.mapLookupBatch(fd, null, b.outBatch, b.keys, b.values, b.count, null);
      this.cost.syscalls += 1;
      if (err >= 0 || err === -ENOENT) {
        // -ENOENT only says the map ended before the batch did.
        const n = b.count.readUInt32LE();
        this.cost.bytes += n * (b.keySize + this.cpus * COUNTER_SIZE);
        return n;
      }
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
      this.cost.syscalls += 1;
      if (err === -ENOENT) break;
      if (err < 0) throw new SyscallError('syscall', 'bpf_map_get_next_key', -err, `cannot read ${what} (${errnoName(err)})`);
      const lookup = libbpf.mapLookupElem(fd, key, b.values.subarray(n * valueSize, (n + 1) * valueSize));
      this.cost.syscalls += 1;
      previous = key;
      // A hash entry deleted between the two calls: nothing to count, and its key still leads on.
      if (lookup === -ENOENT) {
        b.values.fill(0, n * valueSize, (n + 1) * valueSize);
      } else if (lookup < 0) {
        throw new SyscallError('syscall', 'bpf_map_lookup_elem', -lookup, `cannot read ${what} (${errnoName(lookup)})`);
      }
      n += 1;
      this.cost.bytes += b.keySize + valueSize;
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
