/**
 * Reads the filter's two per-CPU maps with one batched lookup each, into
 * buffers allocated once, and sums the CPUs.
 */
import { SyscallError, errnoName } from '../errors.js';
import {
  ARRAY_SLOTS,
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

export type SlotReading = SlotKey & Totals;

export interface CounterMaps {
  /** Every counter that is not zero, cumulative since the maps were created. */
  read(): SlotReading[];
  /** What the last read() cost: syscalls and bytes copied from the kernel. */
  readonly lastReadCost: { syscalls: number; bytes: number };
}

export function openCounterMaps(native: Native, ipMapFd: number, otherMapFd: number): CounterMaps {
  const cpus = native.libbpf.numPossibleCpus();
  if (cpus <= 0) throw new SyscallError('syscall', 'libbpf_num_possible_cpus', -cpus, `cannot count the CPUs (${errnoName(cpus)})`);
  const ip = batchBuffers(ARRAY_SLOTS, 4, cpus);
  const other = batchBuffers(LAYOUT.SOCKEX_OTHER_MAX, OTHER_KEY_SIZE, cpus);
  const cost = { syscalls: 0, bytes: 0 };

  function lookupAll(fd: number, b: BatchBuffers, what: string): number {
    b.count.writeUInt32LE(b.capacity);
    const err = native.libbpf.mapLookupBatch(fd, null, b.outBatch, b.keys, b.values, b.count, null);
    cost.syscalls += 1;
    // -ENOENT only says the map ended before the batch did.
    if (err < 0 && err !== -ENOENT) {
      throw new SyscallError('syscall', 'bpf_map_lookup_batch', -err, `cannot read ${what} (${errnoName(err)})`);
    }
    const n = b.count.readUInt32LE();
    cost.bytes += n * (b.keySize + cpus * COUNTER_SIZE);
    return n;
  }

  return {
    get lastReadCost() {
      return { ...cost };
    },
    read(): SlotReading[] {
      cost.syscalls = 0;
      cost.bytes = 0;
      const out: SlotReading[] = [];
      const ipCount = lookupAll(ipMapFd, ip, 'the IP counters');
      for (let i = 0; i < ipCount; i++) {
        const totals = sumPerCpu(ip.values, i, cpus);
        if (totals) out.push({ ...decodeSlot(ip.keys.readUInt32LE(i * 4)), ...totals });
      }
      const otherCount = lookupAll(otherMapFd, other, 'the non-IP counters');
      for (let i = 0; i < otherCount; i++) {
        const totals = sumPerCpu(other.values, i, cpus);
        if (totals) out.push({ ...decodeOtherKey(other.keys, i * OTHER_KEY_SIZE), ...totals });
      }
      return out;
    },
  };
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
