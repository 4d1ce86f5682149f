/**
 * A fake kernel link list for unit tests: links come, change and go, each
 * change queued as a notification the way a RouteSocket hands them out;
 * overflow() drops what is queued as the kernel does when the socket's
 * buffer is full.
 */
import type { Link, LinkChange, LinkSource } from '../../src/kernel/links/rtnetlink.js';
import { IFF_LOWER_UP, IFF_UP } from '../../src/kernel/links/rtnetlink.js';

export const UP = IFF_UP | IFF_LOWER_UP;
const ETHER = 1;

export class FakeLinks implements LinkSource {
  private readonly current = new Map<number, Link>();
  private queue: LinkChange[] = [];
  private overflowed = false;
  /** How often list() and changes() were called: a quiet refresh must not list. */
  lists = 0;
  drains = 0;
  closed = false;

  constructor(initial: Record<string, number> = {}) {
    for (const [name, ifindex] of Object.entries(initial)) this.current.set(ifindex, { ifindex, name, type: ETHER, flags: UP });
  }

  set(name: string, ifindex: number, flags = UP, type = ETHER): void {
    const link = { ifindex, name, type, flags };
    this.current.set(ifindex, link);
    this.queue.push({ kind: 'link', link });
  }

  delete(ifindex: number): void {
    this.current.delete(ifindex);
    this.queue.push({ kind: 'gone', ifindex });
  }

  overflow(): void {
    this.queue = [];
    this.overflowed = true;
  }

  list(): Link[] {
    this.lists += 1;
    return [...this.current.values()];
  }

  changes(): LinkChange[] | 'overflow' {
    this.drains += 1;
    if (this.overflowed) {
      this.overflowed = false;
      return 'overflow';
    }
    const queued = this.queue;
    this.queue = [];
    return queued;
  }

  close(): void {
    this.closed = true;
  }
}
