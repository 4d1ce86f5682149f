/**
 * What a caller made of each entry of a batched read, kept from one read to
 * the next: an entry whose key and per-CPU values are, byte for byte, those
 * of an entry of the last read keeps what was made of it then. A map returns
 * its entries in the same order from one read to the next while none is
 * added, so an entry is first looked for at its own place; a key added
 * shifts those after it, and those are then found by their key. With
 * thousands of keys and a few moving (or a few new), a read makes objects
 * (and BigInts) for the few, not for every key.
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
    const last = reuse ? this.made.length : 0;
    const sameKey = (i: number, j: number): boolean => b.keys.compare(this.keys, j * keySize, (j + 1) * keySize, i * keySize, (i + 1) * keySize) === 0;
    const sameValues = (i: number, j: number): boolean =>
      b.values.compare(this.values, j * valueSize, (j + 1) * valueSize, i * valueSize, (i + 1) * valueSize) === 0;
    // The last read's places by key, made only once an entry is found out of its place.
    let places: Map<string, number> | undefined;
    const placeOf = (i: number): number | undefined => {
      places ??= this.places(last, keySize);
      return places.get(b.keys.toString('latin1', i * keySize, (i + 1) * keySize));
    };
    const made: (R | undefined)[] = new Array<R | undefined>(n);
    for (let i = 0; i < n; i++) {
      const j = last === 0 ? undefined : i < last && sameKey(i, i) ? i : placeOf(i);
      made[i] = j !== undefined && sameValues(i, j) ? this.made[j] : make(i);
    }
    b.keys.copy(this.keys, 0, 0, n * keySize);
    b.values.copy(this.values, 0, 0, n * valueSize);
    this.made = made;
    return made;
  }

  private places(count: number, keySize: number): Map<string, number> {
    const places = new Map<string, number>();
    for (let j = 0; j < count; j++) places.set(this.keys.toString('latin1', j * keySize, (j + 1) * keySize), j);
    return places;
  }
}
