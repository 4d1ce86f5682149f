/**
 * What a sample's map reads cost, counted at the libbpf calls: a Native whose
 * map lookups count their syscalls and the bytes the kernel copied out.
 * sockex itself carries no meter; the bench's probe (read-cost) and the
 * map-read test hand this Native to the loader in place of the real one.
 */
import { constants } from 'node:os';
import type { Native } from '../src/kernel/libbpf/index.js';

export class ReadMeter {
  readonly native: Native;
  syscalls = 0;
  bytes = 0;

  constructor(real: Native) {
    const { libbpf } = real;
    this.native = {
      ...real,
      libbpf: {
        ...libbpf,
        mapLookupElem: (fd, key, value) => {
          this.syscalls += 1;
          this.bytes += key.length + value.length;
          return libbpf.mapLookupElem(fd, key, value);
        },
        mapGetNextKey: (fd, key, next) => {
          this.syscalls += 1;
          return libbpf.mapGetNextKey(fd, key, next);
        },
        mapLookupBatch: (fd, inBatch, outBatch, keys, values, count, opts) => {
          const capacity = count.readUInt32LE();
          const err = libbpf.mapLookupBatch(fd, inBatch, outBatch, keys, values, count, opts);
          this.syscalls += 1;
          // -ENOENT only says the map ended before the batch did; count holds the entries copied either way.
          if (err >= 0 || err === -constants.errno.ENOENT) this.bytes += (count.readUInt32LE() * (keys.length + values.length)) / capacity;
          return err;
        },
      },
    };
  }

  /** Zero the counts: what follows is the next read's cost. */
  reset(): void {
    this.syscalls = 0;
    this.bytes = 0;
  }
}
