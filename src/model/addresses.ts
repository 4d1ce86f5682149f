/**
 * IP addresses as people write them: IPv4 dotted quads, IPv6 in the
 * compressed form of RFC 5952 (lowercase hex, no leading zeros, the longest
 * run of two or more zero groups as "::", the first such run on a tie), and
 * IPv4-mapped IPv6 with the IPv4 part dotted (section 5, as inet_ntop, ip and
 * tcpdump write it: ::ffff:192.0.2.1).
 */

/** ::ffff:0:0/96, the first 12 bytes of an IPv4-mapped IPv6 address. */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The text of an address from its network-order bytes (4 for IPv4, 16 for IPv6). */
export function addressText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  if (MAPPED_PREFIX.every((b, i) => bytes[i] === b)) return `::ffff:${addressText(bytes.subarray(12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // The longest run of zero groups; RFC 5952 leaves a single zero group alone.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * A string whose plain order is the addresses' numeric order (10.0.0.2 before
 * 10.0.0.10), IPv4 before IPv6: made once per address, so sorting thousands
 * compares strings only.
 */
export function addressSortKey(text: string): string {
  if (!text.includes(':')) return `4${text.split('.').map((o) => o.padStart(3, '0')).join('.')}`;
  // A dotted IPv4 tail (::ffff:1.2.3.4) is two groups.
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [head = '', tail] = hex.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return `6${[...left, ...middle, ...right].map((g) => g.padStart(4, '0')).join(':')}`;
}
