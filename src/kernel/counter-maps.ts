/**
 * Reads the filter's two per-CPU maps, one syscall each, into buffers
 * allocated once, and sums the CPUs: ip_counters' single value (every IP slot
 * of every CPU) with a plain lookup, other_counters with a batched lookup.
 */
import { SyscallError, errnoName } from '../errors.js';
import {
  ARRAY_SLOTS,
  COUNTER_SIZE,
  IP_TABLE_SIZE,
  LAYOUT,
  OTHER_KEY_SIZE,
  decodeOtherKey,
  decodeSlot,
  sumPerCpu,
  sumTableSlot,
  tableSlotIsZero,
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
  const ipKey = Buffer.alloc(4); // the one key, 0
  // One allocation seen two ways: bytes for libbpf, 32-bit words for the zero scan.
  const ipWords = new Uint32Array((IP_TABLE_SIZE * cpus) / 4);
  const ipValues = Buffer.from(ipWords.buffer);
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
      const err = native.libbpf.mapLookupElem(ipMapFd, ipKey, ipValues);
      cost.syscalls += 1;
      if (err < 0) throw new SyscallError('syscall', 'bpf_map_lookup_elem', -err, `cannot read the IP counters (${errnoName(err)})`);
      cost.bytes += ipValues.length;
      for (let slot = 0; slot < ARRAY_SLOTS; slot++) {
        if (tableSlotIsZero(ipWords, slot, cpus)) continue;
        const totals = sumTableSlot(ipValues, slot, cpus);
        if (totals) out.push({ ...decodeSlot(slot), ...totals });
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

interface BatchBuffers {
  capacity: number;
  keySize: number;
  keys: Buffer;
  values: Buffer;
  outBatch: Buffer;
  count: Buffer;
}

function batchBuffers(capacity: number, keySize: number, cpus: number): BatchBuffers {
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
