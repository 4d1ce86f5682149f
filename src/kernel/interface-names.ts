/**
 * ifindex -> interface name for `-i any`, kept current as interfaces come,
 * go and get renamed. The listing of /sys/class/net is read on every lookup
 * round (one readdir); the ifindex files only when that listing changed.
 */
import { sysfsInterfaces, type InterfaceSource } from './interfaces.js';

export type { InterfaceSource };

export class InterfaceNames {
  private readonly source: InterfaceSource;
  private readonly names = new Map<number, string>();
  private listing: string | undefined;

  constructor(source: InterfaceSource = sysfsInterfaces) {
    this.source = source;
  }

  /** Re-read the names if interfaces appeared, disappeared or were renamed since the last call. */
  refresh(): void {
    const present = this.source.list().sort();
    const listing = present.join('/');
    if (listing === this.listing) return;
    this.listing = listing;
    for (const name of present) {
      const index = this.source.ifindex(name);
      if (index !== undefined) this.names.set(index, name);
    }
    // An interface that is gone keeps its last name: its counts stay where
    // they were instead of moving to a new label (a counter reset to a scraper).
  }

  /** The name of an ifindex; ifN for one that came and went between two refreshes. */
  name(ifindex: number): string {
    return this.names.get(ifindex) ?? `if${ifindex}`;
  }
}
