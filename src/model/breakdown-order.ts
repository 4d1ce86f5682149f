/**
 * sortBreakdown's order of a list of keys, kept from one sample to the next.
 * With thousands of keys and a few of them moving, sorting them all again
 * was a fifth of a sample's CPU; yet a map returns its entries in the same
 * order from one read to the next while none is added, so the order found
 * the last time usually holds: it is used again while every item has the
 * identity the item at its place had then.
 */
import { sortBreakdown, type BreakdownKey } from './breakdown.js';

export class BreakdownOrder {
  private identities: readonly unknown[] | undefined;
  private order: readonly number[] = [];

  /**
   * The positions of items in sortBreakdown's order. identities must decide
   * everything the sort compares of the items (one per item, or several side
   * by side): equal identities (===) at every place mean the same order.
   * Without them, sorts.
   */
  of(items: readonly BreakdownKey[], identities?: readonly unknown[]): readonly number[] {
    const last = this.identities;
    if (!identities || !last || identities.length !== last.length || identities.some((identity, i) => identity !== last[i])) {
      this.order = sortBreakdown(items.map((item, index) => ({ ...item, index }))).map((k) => k.index);
      this.identities = identities;
    }
    return this.order;
  }
}
