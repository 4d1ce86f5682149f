/**
 * Network interfaces by name and index, read from sysfs (no syscall, no privilege).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SockexError } from '../errors.js';
import { ANY_INTERFACE } from '../model/counters.js';

const SYS_NET = '/sys/class/net';
/** IFNAMSIZ is 16 bytes with the terminating NUL. */
const MAX_NAME_LENGTH = 15;

/** The pseudo-interface that means "every interface" (an unbound AF_PACKET socket). */
export { ANY_INTERFACE };

export function listInterfaces(): string[] {
  try {
    return readdirSync(SYS_NET).sort();
  } catch {
    return [];
  }
}

/** Why a name can never be an interface name, or undefined if it could be one. */
export function invalidInterfaceName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (Buffer.byteLength(name) > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} bytes`;
  if (name === '.' || name === '..' || /[\s/:]/.test(name) || /[^\x21-\x7e]/.test(name)) {
    return 'it holds characters an interface name cannot have';
  }
  return undefined;
}

/** The ifindex of an interface, or a clear error listing the ones that exist. */
export function interfaceIndex(name: string): number {
  const invalid = invalidInterfaceName(name);
  if (invalid) {
    throw new SockexError('usage', `"${printable(name)}" is not a valid interface name (${invalid}); interfaces here: ${listInterfaces().join(', ')}`);
  }
  let text: string;
  try {
    text = readFileSync(`${SYS_NET}/${name}/ifindex`, 'utf8');
  } catch {
    throw new SockexError(
      'no-such-interface',
      `no interface named "${name}"; interfaces here: ${listInterfaces().join(', ')} (or "any" for all)`,
    );
  }
  return Number.parseInt(text, 10);
}

/** Names of every interface by ifindex, for breaking "any" down per interface. */
export function interfaceNamesByIndex(): Map<number, string> {
  const names = new Map<number, string>();
  for (const name of listInterfaces()) {
    try {
      names.set(Number.parseInt(readFileSync(`${SYS_NET}/${name}/ifindex`, 'utf8'), 10), name);
    } catch {
      // Gone between the listing and the read: it will not be in the map.
    }
  }
  return names;
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?');
}
