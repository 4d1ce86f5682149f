/**
 * What became of the one interface a socket is bound to (`-i NAME`), asked at
 * every poll: is the socket still bound (the kernel unbinds it, silently,
 * when the interface is deleted or moves to another network namespace, even
 * if it comes straight back), and is the interface up with a carrier.
 * An interface of the same name that is here again gets the same socket,
 * so the filter and its counts go on; when its link type is another (a veth
 * re-created as a tun), the filter is told before the socket is bound to it,
 * so no frame of it is read with the old link header.
 */
import type { InterfaceEvent } from '../../model/interface-events.js';
import { type LinkTable, IFF_LOWER_UP, IFF_UP, type Link } from '../links/index.js';
import type { PacketSocket } from './packet-socket.js';

/** The part of the packet socket this needs, and the filter's link type (a fake in unit tests). */
export interface Binding extends Pick<PacketSocket, 'boundIfindex' | 'bind' | 'unbind'> {
  /**
   * Read frames as this ARPHRD type's from now on (the filter loaded again if
   * its link header differs); undefined when done, else why it cannot be.
   */
  useLinkType(type: number): string | undefined;
}

type LinkState = 'up' | 'down' | 'no-carrier';

function linkState(link: Link): LinkState {
  if ((link.flags & IFF_UP) === 0) return 'down';
  if ((link.flags & IFF_LOWER_UP) === 0) return 'no-carrier';
  return 'up';
}

export class BoundInterface {
  private readonly name: string;
  private readonly links: LinkTable;
  private readonly now: () => number;
  /** The ifindex the socket is bound to; undefined while the interface is lost. */
  private ifindex: number | undefined;
  /** The ARPHRD type the filter reads frames as. */
  private linkType: number;
  /** The link (ifindex and type) the filter could not be made to read: not tried again until it changes. */
  private refused: Pick<Link, 'ifindex' | 'type'> | undefined;
  /** When the socket was last seen bound: the gap a rebind reports starts there. */
  private lastSeenBound: number;
  /** The state last reported; 'up' until told otherwise, so a start on a down interface says so once. */
  private reported: LinkState = 'up';

  constructor(name: string, { ifindex, type }: Pick<Link, 'ifindex' | 'type'>, links: LinkTable, now: () => number) {
    this.name = name;
    this.ifindex = ifindex;
    this.linkType = type;
    this.links = links;
    this.now = now;
    this.lastSeenBound = now();
  }

  /**
   * What happened since the last poll, in order: 'lost' when the kernel
   * unbound the socket, 'rebound' (maybe in the same poll) once an interface
   * of that name is here to bind to, then its state when it changed.
   * Two syscalls when nothing happened: a recv() of link notifications and a getsockname().
   */
  poll(socket: Binding): InterfaceEvent[] {
    this.links.refresh();
    const events: InterfaceEvent[] = [];
    const now = this.now();
    if (this.ifindex !== undefined) {
      if (socket.boundIfindex() === this.ifindex) {
        this.lastSeenBound = now;
      } else {
        this.ifindex = undefined;
        events.push({ kind: 'lost', interface: this.name });
      }
    }
    if (this.ifindex === undefined) {
      const back = this.links.named(this.name);
      // Before the bind: its first frame is read as its own link type.
      // A failed bind (it went again in between) is tried again at the next poll.
      if (back && this.readable(socket, back, events) && socket.bind(back.ifindex) === 0) {
        this.ifindex = back.ifindex;
        events.push({ kind: 'rebound', interface: this.name, ifindex: back.ifindex, goneForMs: now - this.lastSeenBound });
        this.lastSeenBound = now;
        // What it was before it went says nothing about it now: report its state afresh.
        this.reported = 'up';
      }
    }
    const link = this.ifindex === undefined ? undefined : this.links.link(this.ifindex);
    // A tun's type can be changed in place while it is down (TUNSETLINK).
    if (link && !this.readable(socket, link, events)) {
      socket.unbind();
      this.ifindex = undefined;
    } else if (link) {
      const state = linkState(link);
      if (state !== this.reported) {
        this.reported = state;
        events.push({ kind: state, interface: this.name });
      }
    }
    return events;
  }

  /** Make the filter read this link's type; false (said once per link) when it cannot. */
  private readable(socket: Binding, link: Link, events: InterfaceEvent[]): boolean {
    if (link.type === this.linkType) return true;
    if (this.refused?.ifindex === link.ifindex && this.refused.type === link.type) return false;
    const reason = socket.useLinkType(link.type);
    if (reason === undefined) {
      this.linkType = link.type;
      this.refused = undefined;
      return true;
    }
    this.refused = { ifindex: link.ifindex, type: link.type };
    events.push({ kind: 'unreadable', interface: this.name, ifindex: link.ifindex, linkType: link.type, reason });
    return false;
  }
}
