/**
 * Flows idle for longer than a grace time are deleted at sample time, so
 * the bounded table holds the flows in use (a full one is counted, never
 * evicted: see owners_lost). Idle is by the last-used time the egress hook
 * writes at most once a second, in CLOCK_MONOTONIC like bpf_ktime_get_ns.
 * A flow that speaks again after its deletion is written again by its next
 * frame sent; until then its frames received fall back to the bound port.
 */
import { Errno, errnoName, SyscallError } from '../../errors.js';
import type { Native } from '../libbpf/index.js';
import { FLOW_KEY_SIZE, FLOW_LAST_USED, FLOW_SIZE, OWNER_LAYOUT } from './layout.js';

const DEFAULT_GRACE_NS = 60_000_000_000n;

export class FlowSweep {
  private readonly native: Native;
  private readonly fd: number;
  private readonly graceNs: bigint;
  private buffers?: { keys: Buffer; values: Buffer; outBatch: Buffer; count: Buffer };

  constructor(native: Native, flowsFd: number, graceNs = DEFAULT_GRACE_NS) {
    this.native = native;
    this.fd = flowsFd;
    this.graceNs = graceNs;
  }

  /** Deletes the idle flows; returns how many. */
  run(nowNs: bigint = process.hrtime.bigint()): number {
    const { libbpf } = this.native;
    const capacity = OWNER_LAYOUT.SOCKEX_FLOWS_MAX;
    // Allocated on the first sweep: 6 MiB that a run without --by process never needs.
    const b = (this.buffers ??= {
      keys: Buffer.alloc(capacity * FLOW_KEY_SIZE),
      values: Buffer.alloc(capacity * FLOW_SIZE),
      outBatch: Buffer.alloc(FLOW_KEY_SIZE),
      count: Buffer.alloc(4),
    });
    b.count.writeUInt32LE(capacity);
    const err = libbpf.mapLookupBatch(this.fd, null, b.outBatch, b.keys, b.values, b.count, null);
    if (err < 0 && err !== -Errno.ENOENT) {
      throw new SyscallError('syscall', 'bpf_map_lookup_batch', -err, `cannot read the flows (${errnoName(err)})`);
    }
    const n = b.count.readUInt32LE();
    let deleted = 0;
    for (let i = 0; i < n; i++) {
      const lastUsed = b.values.readBigUInt64LE(i * FLOW_SIZE + FLOW_LAST_USED);
      if (nowNs - lastUsed <= this.graceNs) continue;
      // ENOENT: gone already. A flow written again since is deleted too; its next frame sent writes it again.
      if (libbpf.mapDeleteElem(this.fd, b.keys.subarray(i * FLOW_KEY_SIZE, (i + 1) * FLOW_KEY_SIZE)) === 0) deleted++;
    }
    return deleted;
  }
}
