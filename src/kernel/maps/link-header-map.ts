/**
 * The every-interface filter's ifindex -> link-header length map (link_hlen in
 * bpf/sockex-any.bpf.c), kept equal to the interfaces present: entries for new
 * interfaces are written, those of vanished ones deleted. An interface missing
 * from the map, or of a link type sockex does not know, is read with the
 * filter's fallback.
 */
import { LINK_UNKNOWN, linkHeaderLength, type Link } from './link-header.js';

/** Writes to the kernel map (a fake in unit tests). */
export interface LinkMapWriter {
  set(ifindex: number, linkHeaderLength: number): void;
  delete(ifindex: number): void;
}

export class LinkHeaderMap {
  private readonly writer: LinkMapWriter;
  /** Every interface seen: its type and length (in the kernel map unless LINK_UNKNOWN). */
  private readonly known = new Map<number, { type: number; length: number }>();

  constructor(writer: LinkMapWriter) {
    this.writer = writer;
  }

  /** Make the map describe exactly these links (every interface present now). */
  update(links: readonly Link[]): void {
    const present = new Set<number>();
    for (const { ifindex, type } of links) {
      present.add(ifindex);
      const before = this.known.get(ifindex);
      if (before?.type === type) continue;
      const length = linkHeaderLength(type);
      // Absent from the kernel map means the fallback: no entry spent on it.
      if (length !== LINK_UNKNOWN) this.writer.set(ifindex, length);
      else if (before && before.length !== LINK_UNKNOWN) this.writer.delete(ifindex);
      this.known.set(ifindex, { type, length });
    }
    for (const [ifindex, { length }] of this.known) {
      if (present.has(ifindex)) continue;
      this.known.delete(ifindex);
      if (length !== LINK_UNKNOWN) this.writer.delete(ifindex);
    }
  }

  /** The type already known for an ifindex, if any. */
  knownType(ifindex: number): number | undefined {
    return this.known.get(ifindex)?.type;
  }
}
