/**
 * What the breakdown end-to-end tests share: sums over a JSON sample's
 * breakdown, the check that parts add up to their protocol counters (per
 * interface), and two namespaces on a veth pair with echo servers.
 */
import assert from 'node:assert/strict';
import { requireRoot, vethPair, waitFor, RunningSockex, TOOLS, type JsonBreakdownCounter, type JsonSample } from './harness.js';

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
type Family = 'ipv4' | 'ipv6';

/** Sum of the breakdown counters that match (0 when absent); every interface's unless one is named. */
export function byCounter(
  sample: JsonSample,
  want: { interface?: string; direction: 'tx' | 'rx'; family: Family; protocol: number; port?: JsonBreakdownCounter['port']; host?: string },
): { bytes: number; packets: number } {
  let bytes = 0;
  let packets = 0;
  for (const c of sample.breakdown?.counters ?? []) {
    if (want.interface !== undefined && c.interface !== want.interface) continue;
    if (c.direction !== want.direction || c.family !== want.family || c.protocol !== want.protocol) continue;
    if ((want.port !== undefined && c.port !== want.port) || (want.host !== undefined && c.host !== want.host)) continue;
    bytes += c.bytes;
    packets += c.packets;
  }
  return { bytes, packets };
}

/** Every breakdown adds up to its protocol counter, to the byte, per interface, for each protocol it splits. */
export function assertAddsUp(sample: JsonSample, splits: (family: string, protocol: number) => boolean): void {
  assert.ok(sample.breakdown, 'the sample has a breakdown');
  let checked = 0;
  for (const c of sample.counters) {
    if (c.family === 'other' || !splits(c.family, c.protocol)) continue;
    const parts = byCounter(sample, { interface: c.interface, direction: c.direction, family: c.family, protocol: c.protocol });
    assert.deepEqual(parts, { bytes: c.bytes, packets: c.packets }, `breakdown of ${c.interface} ${c.direction} ${c.family}/${c.protocol}`);
    checked += 1;
  }
  assert.ok(checked > 0, 'some protocol was split');
  // And nothing in the breakdown lacks its protocol counter.
  for (const b of sample.breakdown.counters) {
    assert.ok(
      sample.counters.some((c) => c.interface === b.interface && c.direction === b.direction && c.family === b.family && c.protocol === b.protocol),
      `breakdown ${b.interface} ${b.direction} ${b.family}/${b.protocol} has a protocol counter`,
    );
  }
}

export const PORT_PROTOCOLS = new Set([6, 17, 132, 136]);
export const byPort = (_family: string, protocol: number): boolean => PORT_PROTOCOLS.has(protocol);
export const everyIp = (): boolean => true;

/** Two namespaces on a veth pair, an echo server in b; returns a function that runs a client call in a. */
export async function echoPair(t: Parameters<typeof requireRoot>[0], label: string) {
  const { a, b } = vethPair(t, label, { ipv6: true });
  const servers: RunningSockex[] = [];
  t.after(() => servers.forEach((s) => s.child.kill()));
  const serve = async (address: string, port: number, count: number): Promise<void> => {
    const server = new RunningSockex(b.spawn(process.execPath, [`${TOOLS}udp-echo.js`, 'serve', address, String(port), String(count)]));
    servers.push(server);
    await waitFor(() => server.stdout.includes('listening'), 10_000, () => `echo server did not start: ${server.stderr}`);
  };
  const call = (address: string, port: number, clientPort: number, sizes: number[]): void => {
    a.tool('udp-echo', ['call', address, String(port), String(clientPort), sizes.join(',')]);
  };
  /** One TCP connection from a to b's address and port, carrying bytes. */
  const tcp = async (address: string, port: number, bytes: number): Promise<void> => {
    const server = new RunningSockex(b.spawn(process.execPath, [`${TOOLS}tcp-peer.js`, 'serve', address, String(port)]));
    servers.push(server);
    await waitFor(() => server.stdout.includes('listening'), 10_000, () => `TCP server did not start: ${server.stderr}`);
    a.tool('tcp-peer', ['call', address, String(port), String(bytes)]);
    await server.exit();
  };
  return { a, b, serve, call, tcp };
}

/** assertAddsUp for every sample of a run that has split something (the first ones may have seen nothing yet). */
export function assertEveryAddsUp(samples: readonly JsonSample[], splits: (family: string, protocol: number) => boolean): void {
  const split = samples.filter((s) => s.counters.some((c) => c.family !== 'other' && splits(c.family, c.protocol)));
  assert.ok(split.length > 0, 'some sample split something');
  for (const s of split) assertAddsUp(s, splits);
}

/** The samples of one metric in an exposition text: labels and value. */
export function exposition(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`))
    .map((line) => {
      const m = /^[^{]+\{(.*)\} (\S+)$/.exec(line);
      assert.ok(m, line);
      const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      return { labels, value: Number(m[2]) };
    });
}
