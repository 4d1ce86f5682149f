/**
 * The series budget end to end (the case): 30 one-packet UDP probes
 * to distinct ports fill the budget, then, once they are idle, a large
 * transfer to a new port shows under its own port, to the byte; "other"
 * never goes down on the way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetNs, requireRoot, startSockex, waitFor } from './harness.js';
import { httpGet } from './http-get.js';

const PORT = 9472;
const URL = `http://127.0.0.1:${PORT}/metrics`;
/** Ethernet + IPv4 + UDP headers on lo. */
const UDP4_OVERHEAD = 14 + 20 + 8;

/** The UDP breakdown series of a scrape: "transmit/PORT" -> bytes. */
function udpSeries(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^sockex_breakdown_bytes_total\{device="lo",direction="(\w+)",family="ipv4",protocol="udp",port="(\w+)"\} (\d+)$/gm)) {
    out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  }
  return out;
}

test('after 30 one-packet probes fill the budget, a large transfer to a new port gets its own series once they are idle', { timeout: 90_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'budget');
  const sockex = await startSockex(ns, ['--plain', '--interval', '0.1', '--by', 'port', '--metrics', String(PORT), '--max-series', '10', '--series-idle', '1']);
  t.after(() => void sockex.stop().catch(() => undefined));

  let text = '';
  let others: number[] = [];
  /** Scrape, and check that UDP's other series never went down since the last scrape. */
  const scrape = (): Map<string, number> => {
    text = httpGet(ns, URL) ?? '';
    const series = udpSeries(text);
    const other = (series.get('transmit/other') ?? 0) + (series.get('receive/other') ?? 0);
    assert.ok(other >= (others.at(-1) ?? 0), `other went down: ${others.join(', ')}, then ${other}`);
    others = [...others, other];
    return series;
  };

  // 30 probes from one socket within milliseconds, each one 20-byte datagram to its own port, seen
  // tx and rx: 60 keys for 10 places. Nothing else has been sent, so the first 10 keys take the
  // places and the other 50 are counted as other.
  const probe = UDP4_OVERHEAD + 20;
  ns.tool('udp-probes', ['30', '7000', '20']);
  const probesInOther = 50 * probe;
  const otherSum = (series: Map<string, number>): number => (series.get('transmit/other') ?? 0) + (series.get('receive/other') ?? 0);
  await waitFor(() => otherSum(scrape()) === probesInOther, 20_000, () => `other never held the ${probesInOther} bytes of 50 probe keys: ${text}`);

  // Idle for a second, the probes give their places up (their series end).
  await waitFor(() => [...scrape().keys()].every((k) => k.endsWith('/other')), 20_000, () => `the idle probes kept their series: ${text}`);

  // The transfer: 40 datagrams of 60,000 bytes to a port never seen (one frame each on lo, MTU 65536).
  const sizes = Array.from({ length: 40 }, () => 60_000);
  ns.tool('udp', ['4', sizes.join(','), '9999', '49999']);
  const transfer = sizes.reduce((s, size) => s + UDP4_OVERHEAD + size, 0);
  await waitFor(
    () => {
      const series = scrape();
      return series.get('transmit/9999') === transfer && series.get('receive/9999') === transfer;
    },
    20_000,
    () => `the transfer never showed under port 9999 with ${transfer} bytes each way: ${text}`,
  );
  // Everything UDP carried is in a series: the transfer's own, other (the 50 probe keys), and the 10 probes' ended ones.
  assert.deepEqual([...udpSeries(text).keys()].sort(), ['receive/9999', 'receive/other', 'transmit/9999', 'transmit/other']);
  assert.equal(otherSum(udpSeries(text)), probesInOther);
  assert.equal(await sockex.stop(), 0);
});
