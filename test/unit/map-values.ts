import { COUNTER_SIZE } from '../../src/kernel/maps/layout.js';

/** Per-CPU map values as the kernel returns them for consecutive entries: entries[e][cpu] = [bytes, packets]. */
export function mapValues(entries: [bigint, bigint][][]): Buffer {
  const cpus = entries[0]?.length ?? 0;
  const buf = Buffer.alloc(entries.length * cpus * COUNTER_SIZE);
  entries.forEach((perCpu, e) =>
    perCpu.forEach(([bytes, packets], cpu) => {
      const off = (e * cpus + cpu) * COUNTER_SIZE;
      buf.writeBigUInt64LE(bytes, off);
      buf.writeBigUInt64LE(packets, off + 8);
    }),
  );
  return buf;
}
