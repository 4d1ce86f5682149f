/**
 * Service names for well-known ports, from the system's /etc/services (IANA's
 * list), shown beside the number (never instead of it).
 */
import { readFileSync } from 'node:fs';

/** The transport names /etc/services uses, by IP protocol number; UDP-Lite shares UDP's ports. */
const TRANSPORTS: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 136: 'udp', 132: 'sctp' };

/** "name port/transport aliases # comment" -> name by "transport/port"; the first entry for a port wins. */
export function parseServicesFile(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const [name, portAndTransport] = raw.replace(/#.*/, '').trim().split(/\s+/);
    const match = /^(\d{1,5})\/([a-z]+)$/.exec(portAndTransport ?? '');
    if (name === undefined || name === '' || !match) continue;
    const port = Number(match[1]);
    const key = `${match[2]}/${port}`;
    if (port <= 65535 && !names.has(key)) names.set(key, name);
  }
  return names;
}

export class ServiceNames {
  private names: Map<string, string> | undefined;
  private readonly load: () => string;

  /** load: the text of /etc/services (read once, on the first lookup; missing means no names). */
  constructor(load: () => string = () => readFileSync('/etc/services', 'utf8')) {
    this.load = load;
  }

  /** The service on this port of this IP protocol, or undefined. */
  name(protocol: number, port: number): string | undefined {
    const transport = TRANSPORTS[protocol];
    if (transport === undefined) return undefined;
    if (!this.names) {
      try {
        this.names = parseServicesFile(this.load());
      } catch {
        this.names = new Map();
      }
    }
    return this.names.get(`${transport}/${port}`);
  }
}
