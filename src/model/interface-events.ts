/**
 * What happened to a counted interface, as the kernel layer noticed it.
 * AttachedFilter.poll() returns these; the session says each once on stderr
 * and hands the current state to the renderers through RunStatus.
 */
export type InterfaceEvent =
  /** The kernel unbound the socket (the interface was deleted or left the namespace) and no interface of that name is here: its counts stay at their last values. */
  | { readonly kind: 'lost'; readonly interface: string }
  /** An interface of that name is here (again): the socket is bound to it and counting goes on. */
  | {
      readonly kind: 'rebound';
      readonly interface: string;
      readonly ifindex: number;
      /** At most this long nothing was counted: from the last poll that saw it bound to the one that bound it again. */
      readonly goneForMs: number;
    }
  /**
   * An interface of that name is here as a link type whose link header the
   * filter was not loaded for, and it cannot be loaded again (sockex gave up
   * the privileges): not counted, rather than counted wrongly.
   */
  | { readonly kind: 'unreadable'; readonly interface: string; readonly ifindex: number; readonly linkType: number; readonly reason: string }
  /** Administratively down: it sees no frames until it is up. */
  | { readonly kind: 'down'; readonly interface: string }
  /** Up, but the link has no carrier. */
  | { readonly kind: 'no-carrier'; readonly interface: string }
  /** Up with a carrier again after down or no-carrier. */
  | { readonly kind: 'up'; readonly interface: string };

/** Why an interface is not counting right now, for the dashboard header; absent when it is. */
export type InterfaceState = 'lost' | 'down' | 'no-carrier';
