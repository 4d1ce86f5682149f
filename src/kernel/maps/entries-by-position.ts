/**
 * What a caller made of each entry of a batched read, kept by position: an
 * entry whose key and per-CPU values are, byte for byte, those at its place
 * in the last read keeps what was made of it then. A map returns its entries
 * in the same order from one read to the next while none is added, so with
 * thousands of keys and a few moving, a read makes objects (and BigInts) for
 * the few, not for every key.
 */
import { COUNTER_SIZE } from './layout.js';
import type { BatchBuffers } from './batch-reader.js';

export class EntriesByPosition<R> {
  private readonly keys: Buffer;
  private readonly values: Buffer;
  private made: (R | undefined)[] = [];

  constructor(b: BatchBuffers) {
    this.keys = Buffer.alloc(b.keys.length);
    this.values = Buffer.alloc(b.values.length);
  }

  /**
   * make(i) for each of the n entries just read into b, or what it made the
   * last time for entries that did not change; reuse false makes them all
   * anew (what make() depends on beside the entry itself changed).
   */
  map(b: BatchBuffers, n: number, cpus: number, reuse: boolean, make: (i: number) => R | undefined): (R | undefined)[] {
    const keySize = b.keySize;
    const valueSize = cpus * COUNTER_SIZE;
    const kept = reuse ? Math.min(n, this.made.length) : 0;
    const made: (R | undefined)[] = new Array<R | undefined>(n);
    for (let i = 0; i < n; i++) {
      const same =
        i < kept &&
        b.keys.compare(this.keys, i * keySize, (i + 1) * keySize, i * keySize, (i + 1) * keySize) === 0 &&
        b.values.compare(this.values, i * valueSize, (i + 1) * valueSize, i * valueSize, (i + 1) * valueSize) === 0;
      made[i] = same ? this.made[i] : make(i);
    }
    b.keys.copy(this.keys, 0, 0, n * keySize);
    b.values.copy(this.values, 0, 0, n * valueSize);
    this.made = made;
    return made;
  }
}
