/**
 * The breakdown (--by port, --by host): IP counters split by service port
 * and/or by the other end's address: what a counter is keyed by, and the
 * order and folding every output shares.
 *
 * Exactness: the kernel never drops a frame from the breakdown. A frame whose
 * key found the table full is counted as port or host "other" of its
 * protocol; a frame whose port or address could not be read (a non-first
 * fragment, a header cut short) as "none". A split protocol's counter is the
 * sum of its parts (PartsTotals), so, per interface, direction, family and
 * protocol, the breakdown adds up to the protocol counter in every read.
 */
import { addressSortKey } from './addresses.js';
import { compareCounters, counterId, type CounterKey, type Direction, type Family, type Reading } from './counters.js';
import { frozenMemo, type FrozenMemo } from './frozen-memo.js';
import { FRAGMENT, FULL, KERNEL, NO_SOCKET, OWNER_KINDS, isOwnerKind, type CgroupValue, type OwnerKind, type OwnerWord, type ProcessValue, type UserValue } from './owners.js';

export type BreakdownBy = 'port' | 'host' | OwnerKind;

/** Every way of splitting the CLI takes, in the order --by lists them. */
export const BREAKDOWN_KINDS: readonly BreakdownBy[] = ['port', 'host', ...OWNER_KINDS];

/** IP protocols split by port: TCP, UDP, SCTP, UDP-Lite (the four whose header starts with both ports). */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 132, 136]);

/** Frames whose port or address the filter could not read. */
export const NONE = 'none';
/** Frames that found the kernel's table full, or rows folded together for display. */
export const OTHER = 'other';

type PortValue = number | typeof NONE | typeof OTHER;
/** An address in its usual text form, or none / other. */
type HostValue = string;

export interface BreakdownKey {
  readonly interface: string;
  readonly ifindex: number;
  /** -i any: which link of those that had this ifindex, past the first (as Reading.generation). */
  readonly generation?: number;
  readonly direction: Direction;
  /** other: a non-IP protocol (its EtherType), a part only when split by owner (all of it none). */
  readonly family: Family;
  readonly protocol: number;
  /** Present when split by port (--by port, and a protocol with ports). */
  readonly port?: PortValue;
  /** Present when split by host (--by host). */
  readonly host?: HostValue;
  /** Present when split by who sent or received it (--by process, user, cgroup: model/owners.ts). */
  readonly process?: ProcessValue;
  readonly user?: UserValue;
  readonly cgroup?: CgroupValue;
}

export interface BreakdownReading extends BreakdownKey {
  readonly bytes: bigint;
  readonly packets: bigint;
}

export interface BreakdownCounter extends BreakdownReading {
  /** The protocol's display name (TCP, UDP, ...). */
  readonly name: string;
  /** The port's service name from /etc/services, where it has one. */
  readonly service?: string;
  readonly bytesPerSecond: number;
  readonly packetsPerSecond: number;
}

export interface Breakdown {
  /** What the counters are split by. */
  readonly by: readonly BreakdownBy[];
  /** Every non-zero counter, in a stable order (sortBreakdown). */
  readonly counters: readonly BreakdownCounter[];
  /** --by process/user/cgroup: inserts into the owner tables that found them full since start; absent while none did. */
  readonly ownersLost?: OwnersLost;
}

/** The kernel's owners_lost table: failed inserts into flows and bound, each try counted (not distinct flows or ports; what was not recorded counts as "none"). */
export interface OwnersLost {
  readonly flows: number;
  readonly bound: number;
}

/**
 * A key's identity: what the kernel keys the counter by. An owner is its
 * kernel fields (pid, command and uid; uid; cgroup id), never the details
 * user space adds (user name, path, exited), which may change under it.
 * Joined, flat, as counterId.
 */
export const breakdownId: FrozenMemo<BreakdownKey, string> = frozenMemo((k) => [counterId(k), k.port ?? '', k.host ?? '', ownerId(k)].join('\0'));

function ownerId(k: BreakdownKey): string {
  const { process: p, user: u, cgroup: c } = k;
  const processId = p === undefined ? '' : typeof p === 'string' ? p : `${p.pid}/${p.command}/${p.uid}`;
  const userId = u === undefined ? '' : typeof u === 'string' ? u : String(u.uid);
  const cgroupId = c === undefined ? '' : typeof c === 'string' ? c : String(c.id);
  return `${processId}\0${userId}\0${cgroupId}`;
}

const WORD_RANKS: Readonly<Record<OwnerWord, string>> = { [KERNEL]: '1', [FRAGMENT]: '2', [NO_SOCKET]: '3', [FULL]: '4' };

/** Owners first (as `owner` ranks them), then kernel, fragment, none, other (undefined: not split this way). */
function wordRank<T extends object>(value: T | OwnerWord | undefined, owner: (o: T) => string): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? WORD_RANKS[value] : `0${owner(value)}`;
}

/** Fixed-width digits, so numbers compare as text in numeric order. */
const digits = (n: number | bigint): string => String(n).padStart(20, '0');

/** Processes by pid, users by uid, cgroups by path (then id), each before the words. */
function ownerRank(k: BreakdownKey): string {
  const process = wordRank(k.process, (p) => `${digits(p.pid)}\0${p.command}\0${digits(p.uid)}`);
  const user = wordRank(k.user, (u) => digits(u.uid));
  const cgroup = wordRank(k.cgroup, (c) => `${c.path ?? ''}\0${digits(c.id)}`);
  return `${process}\x01${user}\x01${cgroup}`;
}

/** Numbers first, then none, then other (undefined: not split by port). */
function portRank(port: PortValue | undefined): number {
  return port === undefined ? -1 : typeof port === 'number' ? port : port === NONE ? 70000 : 70001;
}

/** Addresses in numeric order, then none, then other (undefined: not split by host). */
function hostRank(host: HostValue | undefined): string {
  return host === undefined ? '' : host === NONE ? '1' : host === OTHER ? '2' : `0${addressSortKey(host)}`;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Breakdown counters in their stable order: interface, direction, family,
 * protocol (as the protocol counters), then port, then host, then owner.
 * The ranks are worked out once per counter, not once per comparison.
 */
export function sortBreakdown<T extends BreakdownKey>(items: readonly T[]): T[] {
  const decorated = items.map((item) => ({ item, port: portRank(item.port), host: hostRank(item.host), owner: ownerRank(item) }));
  decorated.sort((a, b) => compareCounters(a.item, b.item) || a.port - b.port || compareText(a.host, b.host) || compareText(a.owner, b.owner));
  return decorated.map((d) => d.item);
}

/** Whether --by splits this counter: every IP protocol by host or owner, those with ports by port; never non-IP. */
function splitsCounter(by: readonly BreakdownBy[], c: Pick<CounterKey, 'family' | 'protocol'>): boolean {
  return c.family !== 'other' && (by.includes('host') || by.some(isOwnerKind) || PORT_PROTOCOLS.has(c.protocol));
}

/** A protocol counter being summed from its parts, kept from one read to the next. */
interface Total {
  /** A part or reading of this counter: where its key comes from. */
  of: Reading;
  bytes: bigint;
  packets: bigint;
  /** The reading made of it the last time: handed on while its sum stays put. */
  made: Reading | undefined;
  /** The last read that touched it. */
  read: number;
}

/**
 * One read of a breakdown filter, made whole. The kernel counts each frame
 * once: a frame of a split protocol in the breakdown table (parts), or, when
 * its key found that table full, in its protocol's own counter, which for a
 * split protocol is its "other"; every other frame in the protocol counters.
 * So a split protocol's counter here is the sum of its parts, that "other"
 * included, and they add up in every read, whatever the traffic.
 *
 * Kept from one read to the next: a total whose sum did not move is the
 * reading it was, and a protocol counter's "other" part is made once per
 * reading, so with thousands of parts and a few moving, the sampler
 * downstream finds the same objects and does no work for them.
 */
export class PartsTotals {
  private readonly by: readonly BreakdownBy[];
  private readonly totals = new Map<string, Total>();
  private reads = 0;
  private readonly otherParts: FrozenMemo<Reading, BreakdownReading>;
  private readonly noSocketParts: FrozenMemo<Reading, BreakdownReading>;

  constructor(by: readonly BreakdownBy[]) {
    this.by = [...by];
    this.otherParts = frozenMemo((reading) => Object.freeze(otherPart(reading, this.by)));
    this.noSocketParts = frozenMemo((reading) => Object.freeze(noSocketPart(reading, this.by)));
  }

  addUp(readings: readonly Reading[], parts: readonly BreakdownReading[]): { readings: Reading[]; breakdown: BreakdownReading[] } {
    const read = ++this.reads;
    const out: Reading[] = [];
    const breakdown = [...parts];
    const touched: Total[] = [];
    const add = (part: BreakdownReading | Reading): void => {
      const id = counterId(part);
      let total = this.totals.get(id);
      if (!total) this.totals.set(id, (total = { of: part, bytes: 0n, packets: 0n, made: undefined, read: 0 }));
      if (total.read !== read) {
        total.read = read;
        total.bytes = 0n;
        total.packets = 0n;
        touched.push(total);
      }
      total.bytes += part.bytes;
      total.packets += part.packets;
    };
    const splitByOwner = this.by.some(isOwnerKind);
    for (const reading of readings) {
      if (reading.family === 'other' || !splitsCounter(this.by, reading)) {
        out.push(reading);
        if (reading.family === 'other' && splitByOwner) breakdown.push(this.noSocketParts(reading));
        continue;
      }
      breakdown.push(this.otherParts(reading));
      add(reading);
    }
    for (const part of parts) add(part);
    for (const total of touched) out.push(madeReading(total));
    // Counters no longer read (a link gone): forgotten, so the map stays as small as the kernel's tables.
    if (this.totals.size > touched.length) this.totals.forEach((total, id) => void (total.read !== read && this.totals.delete(id)));
    return { readings: out, breakdown };
  }
}

/** A total as a reading: the one made the last time while its counts stay put. */
function madeReading(total: Total): Reading {
  const made = total.made;
  if (made && made.bytes === total.bytes && made.packets === total.packets) return made;
  const { interface: name, ifindex, generation, direction, family, protocol } = total.of;
  const { bytes, packets } = total;
  return (total.made = Object.freeze({ interface: name, ifindex, ...(generation === undefined ? {} : { generation }), direction, family, protocol, bytes, packets }));
}

/**
 * A non-IP counter (ARP, LLDP) as its one part when split by owner: no
 * socket sends or takes such frames, so all of them are "none", and every
 * frame the protocol counters count is in a part.
 */
function noSocketPart(reading: Reading, by: readonly BreakdownBy[]): BreakdownReading {
  return {
    ...reading,
    ...(by.includes('host') ? { host: NONE } : {}),
    ...Object.fromEntries(by.filter(isOwnerKind).map((kind) => [kind, NO_SOCKET])),
  };
}

/** A split protocol's own counter as its part "other": the frames whose key found the kernel's table full. */
function otherPart(reading: Reading, by: readonly BreakdownBy[]): BreakdownReading {
  return {
    ...reading,
    ...(by.includes('port') && PORT_PROTOCOLS.has(reading.protocol) ? { port: OTHER } : {}),
    ...(by.includes('host') ? { host: OTHER } : {}),
    ...Object.fromEntries(by.filter(isOwnerKind).map((kind) => [kind, FULL])),
  };
}
