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

/** Why a name can never be an interface name, or undefined if it could be one. */
export function invalidInterfaceName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (Buffer.byteLength(name) > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} bytes`;
  if (name === '.' || name === '..' || /[\s/:]/.test(name) || /[^\x21-\x7e]/.test(name)) {
    return 'it holds characters an interface name cannot have';
  }
  return undefined;
}

/** The link of that name among these, or a clear error listing them. */
export function findInterface(name: string, links: readonly Link[]): Link {
  const here = (): string => links.map((link) => link.name).sort().join(', ');
  const invalid = invalidInterfaceName(name);
  if (invalid) {
    throw new SockexError('usage', `"${printable(name)}" is not a valid interface name (${invalid}); interfaces here: ${here()}`);
  }
  const link = links.find((candidate) => candidate.name === name);
  if (!link) throw new SockexError('no-such-interface', `no interface named "${name}"; interfaces here: ${here()} (or "any" for all)`);
  return link;
}
