/**
 * The interfaces of sockex's network namespace, kept current from the
 * kernel's link notifications: one full listing at the start (and after the
 * kernel dropped notifications), then only what changed. With thousands of
 * interfaces a quiet refresh costs one non-blocking recv(), not a listing.
 */
import type { Link, LinkSource } from './rtnetlink.js';

export type { Link, LinkSource };

/** What one refresh changed: links that appeared or changed (name, flags), and ifindexes that went. */
export interface LinkUpdates {
  readonly changed: readonly Link[];
  readonly gone: readonly number[];
  /**
   * Every link that went, as it was (with its name), in order: also one whose
   * ifindex another link took within this refresh (it is not in gone then).
   */
  readonly ended: readonly Link[];
}

const NO_UPDATES: LinkUpdates = Object.freeze({ changed: Object.freeze([]), gone: Object.freeze([]), ended: Object.freeze([]) });

export class LinkTable {
  private readonly source: LinkSource;
  /** The links there are now, by ifindex. */
  private readonly present = new Map<number, Link>();
  /** name -> ifindex of the links there are now. */
  private readonly byName = new Map<string, number>();
  /**
   * The last name of every ifindex ever seen. A link that is gone keeps its
   * name, so its counts stay under the label they had (a counter that moved
   * to a new label would look like a reset to a scraper).
   */
  private readonly labels = new Map<number, string>();
  private listed = false;

  constructor(source: LinkSource) {
    this.source = source;
  }

  /** Take in what changed since the last refresh (everything, the first time). */
  refresh(): LinkUpdates {
    // Nothing listed yet: a full listing, as after the kernel dropped notifications.
    let changes = this.listed ? this.source.changes() : 'overflow';
    // The common case, once a second with thousands of interfaces: nothing changed, nothing allocated.
    if (changes !== 'overflow' && changes.length === 0) return NO_UPDATES;
    const changed = new Map<number, Link>();
    const gone = new Set<number>();
    const ended: Link[] = [];
    while (changes === 'overflow') {
      this.relist(changed, gone, ended);
      changes = this.source.changes();
    }
    for (const change of changes) {
      if (change.kind === 'link') {
        this.put(change.link);
        changed.set(change.link.ifindex, change.link);
        gone.delete(change.link.ifindex);
        continue;
      }
      const before = this.present.get(change.ifindex);
      if (before && this.remove(change.ifindex)) {
        changed.delete(change.ifindex);
        gone.add(change.ifindex);
        ended.push(before);
      }
    }
    return { changed: [...changed.values()], gone: [...gone], ended };
  }

  /** The link with this ifindex, if it is here now. */
  link(ifindex: number): Link | undefined {
    return this.present.get(ifindex);
  }

  /** The link with this name, if one is here now. */
  named(name: string): Link | undefined {
    const ifindex = this.byName.get(name);
    return ifindex === undefined ? undefined : this.present.get(ifindex);
  }

  /** Every link here now. */
  links(): Link[] {
    return [...this.present.values()];
  }

  /** The name of an ifindex: its current one, the last one it had, or ifN for one never seen. */
  name(ifindex: number): string {
    return this.labels.get(ifindex) ?? `if${ifindex}`;
  }

  close(): void {
    this.source.close();
  }

  /** Replace what is known by a full listing; what it lacks is gone. */
  private relist(changed: Map<number, Link>, gone: Set<number>, ended: Link[]): void {
    this.listed = true;
    const now = this.source.list();
    const listed = new Set(now.map((link) => link.ifindex));
    for (const [ifindex, before] of [...this.present]) {
      if (listed.has(ifindex)) continue;
      this.remove(ifindex);
      changed.delete(ifindex);
      gone.add(ifindex);
      ended.push(before);
    }
    for (const link of now) {
      this.put(link);
      changed.set(link.ifindex, link);
      gone.delete(link.ifindex);
    }
  }

  private put(link: Link): void {
    const before = this.present.get(link.ifindex);
    if (before && before.name !== link.name && this.byName.get(before.name) === link.ifindex) this.byName.delete(before.name);
    this.present.set(link.ifindex, link);
    this.byName.set(link.name, link.ifindex);
    this.labels.set(link.ifindex, link.name);
  }

  /** Forget a link that went; false if it was not here. */
  private remove(ifindex: number): boolean {
    const before = this.present.get(ifindex);
    if (!before) return false;
    this.present.delete(ifindex);
    if (this.byName.get(before.name) === ifindex) this.byName.delete(before.name);
    return true;
  }
}
