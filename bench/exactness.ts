/**
 * Section 5: exact counts under load. The C flood sends N datagrams of a known
 * size as fast as it can; sockex (the real CLI) must count exactly what was
 * sent, in bytes and packets, each way. tcpdump captures the same flood
 * beside it and says how many it dropped.
 */
import { Child, FLOOD_PORT, FRAME_BYTES, NetNs, PAYLOAD, flood, sleep } from './env.js';
import { count, percent, table, type SectionResult } from './stats.js';

interface JsonCounter {
  direction: string;
  family: string;
  protocol: number;
  bytes: number;
  packets: number;
}

export async function exactness(options: { cli: string; datagrams: number }): Promise<SectionResult> {
  const ns = new NetNs('exact');
  const sockex = new Child(ns.spawn(process.execPath, [options.cli, '--interface', 'lo', '--interval', '1', '--json']));
  const tcpdump = new Child(ns.spawn('tcpdump', ['-i', 'lo', '-n', '-w', '/dev/null', 'udp', 'and', 'port', String(FLOOD_PORT)]));
  try {
    await sockex.waitFor(() => sockex.stderr.includes('counting on'), 'sockex');
    await tcpdump.waitFor(() => tcpdump.stderr.includes('listening on'), 'tcpdump');
    const result = await flood(ns, { count: options.datagrams, cpu: 1 });
    // Every frame has passed both taps when sendmmsg returns; the wait is for tcpdump's ring.
    await sleep(1000);
    await sockex.stop('SIGTERM');
    await tcpdump.stop('SIGINT');

    const lines = sockex.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { counters?: JsonCounter[] };
    const udp = (direction: string): JsonCounter | undefined =>
      last.counters?.find((c) => c.direction === direction && c.family === 'ipv4' && c.protocol === 17);
    const tx = udp('tx');
    const rx = udp('rx');
    const captured = Number(/(\d+) packets? captured/.exec(tcpdump.stderr)?.[1] ?? Number.NaN);
    const dropped = Number(/(\d+) packets? dropped by kernel/.exec(tcpdump.stderr)?.[1] ?? Number.NaN);
    const sent = result.sent;
    const bytes = sent * FRAME_BYTES;
    const verdict = (got: number | undefined, want: number): string =>
      got === want ? 'exact' : `OFF by ${count((got ?? 0) - want)}`;
    const exact = tx?.packets === sent && rx?.packets === sent && tx?.bytes === bytes && rx?.bytes === bytes;
    const goals = [
      { goal: `exact counts under the flood (${count(sent)} datagrams)`, measured: exact ? 'exact, both ways' : 'NOT exact', met: exact },
    ];
    const text = [
      '### 5. Exactness under load',
      '',
      `${count(sent)} UDP datagrams (${PAYLOAD}-byte payload, ${FRAME_BYTES}-byte frames on lo) sent by the C flood in ${result.seconds.toFixed(2)} s (${count(result.pps)} pps), sockex (the real CLI, --json) and tcpdump attached at once.`,
      '',
      table(
        ['counter', 'expected', 'counted', 'verdict'],
        [
          ['sockex tx UDP packets', count(sent), count(tx?.packets), verdict(tx?.packets, sent)],
          ['sockex tx UDP bytes', count(bytes), count(tx?.bytes), verdict(tx?.bytes, bytes)],
          ['sockex rx UDP packets', count(sent), count(rx?.packets), verdict(rx?.packets, sent)],
          ['sockex rx UDP bytes', count(bytes), count(rx?.bytes), verdict(rx?.bytes, bytes)],
          // libpcap skips lo's outgoing copy, so tcpdump sees each datagram once.
          ['tcpdump packets captured', count(sent), count(captured), `${percent(captured / sent)} captured`],
          ['tcpdump dropped by kernel', '0', count(dropped), `${percent(dropped / sent)} dropped`],
        ],
      ),
    ].join('\n');
    return { text, goals };
  } finally {
    await sockex.stop('SIGKILL').catch(() => undefined);
    await tcpdump.stop('SIGKILL').catch(() => undefined);
    ns.delete();
  }
}
