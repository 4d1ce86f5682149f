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

/** Where interface names and indexes come from (sysfs; a fake in unit tests). */
export interface InterfaceSource {
  /** Names of the interfaces that exist now. */
  list(): string[];
  /** The ifindex of one of them, or undefined if it is already gone. */
  ifindex(name: string): number | undefined;
}

export const sysfsInterfaces: InterfaceSource = {
  list() {
    try {
      return readdirSync(SYS_NET);
    } catch {
      return [];
    }
  },
  ifindex(name) {
    try {
      const index = Number.parseInt(readFileSync(`${SYS_NET}/${name}/ifindex`, 'utf8'), 10);
      return Number.isInteger(index) ? index : undefined;
    } catch {
      return undefined;
    }
  },
};

export function listInterfaces(): string[] {
  return sysfsInterfaces.list().sort();
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
  const index = sysfsInterfaces.ifindex(name);
  if (index === undefined) {
    throw new SockexError(
      'no-such-interface',
      `no interface named "${name}"; interfaces here: ${listInterfaces().join(', ')} (or "any" for all)`,
    );
  }
  return index;
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?');
}
