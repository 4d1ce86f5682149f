/**
 * Interface names as the user types them: which can be one, and which one is
 * meant, among the links of sockex's own network namespace (rtnetlink.ts).
 */
import { SockexError, printable } from '../../errors.js';
import { ANY_INTERFACE } from '../../model/counters.js';
import type { Link } from './rtnetlink.js';

/** IFNAMSIZ is 16 bytes with the terminating NUL. */
const MAX_NAME_LENGTH = 15;

/** The pseudo-interface that means "every interface" (an unbound AF_PACKET socket). */
export { ANY_INTERFACE };

/**
 * The bytes the kernel refuses in a name (dev_valid_name): "/", ":" and what
 * its isspace() takes for space: tab to carriage return, space, and 0xa0 (its
 * table is Latin-1, so the second byte of UTF-8 characters such as à, C3 A0,
 * counts too). Every other byte is allowed, control characters included.
 */
const REFUSED_BYTES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x2f, 0x3a, 0xa0]);

/** Why a name can never be an interface name (the kernel's own rule), or undefined if it could be one. */
export function invalidInterfaceName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (Buffer.byteLength(name) > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} bytes`;
  if (name === '.' || name === '..') return 'the kernel keeps "." and ".." for itself';
  const refused = [...name].find((character) => Buffer.from(character).some((byte) => REFUSED_BYTES.has(byte)));
  if (refused !== undefined) return `the kernel refuses "${printable(refused)}" in a name, as it does "/", ":" and spaces`;
  return undefined;
}

/** The link of that name among these, or a clear error listing them. */
export function findInterface(name: string, links: readonly Link[]): Link {
  const here = (): string => links.map((link) => printable(link.name)).sort().join(', ');
  const invalid = invalidInterfaceName(name);
  if (invalid) {
    throw new SockexError('usage', `"${printable(name)}" is not a valid interface name (${invalid}); interfaces here: ${here()}`);
  }
  const link = links.find((candidate) => candidate.name === name);
  if (!link) throw new SockexError('no-such-interface', `no interface named "${printable(name)}"; interfaces here: ${here()} (or "any" for all)`);
  return link;
}
