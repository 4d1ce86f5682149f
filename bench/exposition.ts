/**
 * What writing the exposition text costs, two ways, at the growth bench's
 * size (2,000 interfaces, 4,000 counters): sockex's own writer (the one the
 * metrics server uses) and prom-client (a Counter per family, set from the
 * snapshot and written by its registry), on the same snapshots. In-process,
 * no kernel, no root:
 *
 *   node dist/bench/exposition.js [--interfaces N] [--rounds N]
 *
 * Prints a Markdown table: median ms per scrape after a sample in which every
 * device changed, after one in which 1% changed, and with nothing changed.
 */
import { Counter, Registry } from 'prom-client';
import type { Reading } from '../src/model/counters.js';
import { counterRead } from '../src/model/counter-read.js';
import { Sampler } from '../src/model/sampler.js';
import type { Snapshot } from '../src/model/snapshot.js';
import { createPrometheusRenderer } from '../src/render/prometheus.js';
import { ZERO_SERIES, protocolLabel } from '../src/render/protocol-series.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const INTERFACES = option('--interfaces', 2000);
const ROUNDS = option('--rounds', 15);

/** Two counters per interface (IPv6-ICMP each way), as the growth bench's veths have; round moves `changed` of them. */
function readings(round: number, changed: number): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < INTERFACES; i++) {
    const grown = BigInt(i < changed ? round : 0);
    for (const direction of ['tx', 'rx'] as const) {
      out.push({ interface: `veth${i}`, ifindex: 10 + i, direction, family: 'ipv6', protocol: 58, bytes: 86n + grown * 86n, packets: 1n + grown });
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** text(): the scrape's text, or its length where it comes in pieces. */
type Writer = { render(snapshot: Snapshot): void; text(): Promise<string | number> };

function sockexWriter(): Writer {
  const renderer = createPrometheusRenderer({ version: '0', processMetrics: false });
  // As the metrics server writes it: the pieces one after another, never joined.
  return { render: (s) => renderer.render(s, { interval: 1, demo: undefined }), text: async () => (await renderer.exposition()).reduce((n, piece) => n + piece.length, 0) };
}

/** The same two families through prom-client, set at each scrape from the latest snapshot (its counters only grow through inc()). */
function promClientWriter(): Writer {
  const registry = new Registry();
  let latest: Snapshot | undefined;
  const labelNames = ['device', 'direction', 'family', 'protocol'] as const;
  for (const [name, field] of [['sockex_bytes_total', 'bytes'], ['sockex_packets_total', 'packets']] as const) {
    new Counter({
      name,
      help: name,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const devices = new Set<string>();
        for (const c of latest?.counters ?? []) {
          devices.add(c.interface);
          this.inc({ device: c.interface, direction: c.direction === 'tx' ? 'transmit' : 'receive', family: c.family, protocol: protocolLabel(c.family, c.protocol) }, Number(c[field]));
        }
        // The same zero series as sockex's text, so both write the same series.
        for (const device of devices) {
          for (const direction of ['transmit', 'receive']) {
            for (const z of ZERO_SERIES) this.inc({ device, direction, family: z.family, protocol: protocolLabel(z.family, z.protocol) }, 0);
          }
        }
      },
    });
  }
  return { render: (s) => void (latest = s), text: () => registry.metrics() };
}

async function measure(make: () => Writer, changed: number): Promise<{ ms: number; bytes: number }> {
  const writer = make();
  const sampler = new Sampler(['any']);
  writer.render(sampler.sample(counterRead(readings(0, INTERFACES))));
  const size = (text: string | number): number => (typeof text === 'number' ? text : text.length);
  let bytes = size(await writer.text());
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const snapshot = sampler.sample(counterRead(readings(round, changed)));
    const start = performance.now();
    writer.render(snapshot);
    bytes = size(await writer.text());
    times.push(performance.now() - start);
  }
  return { ms: median(times), bytes };
}

const rows: string[] = [];
for (const [label, make] of [['sockex (hand-written, cached per device)', sockexWriter], ['prom-client (Counter + registry)', promClientWriter]] as const) {
  const all = await measure(make, INTERFACES);
  const some = await measure(make, Math.ceil(INTERFACES / 100));
  const none = await measure(make, 0);
  rows.push(`| ${label} | ${all.ms.toFixed(1)} | ${some.ms.toFixed(1)} | ${none.ms.toFixed(1)} | ${all.bytes} |`);
}
process.stdout.write(
  [
    `Exposition of ${INTERFACES} interfaces, ${2 * INTERFACES} counters (sockex_bytes_total and sockex_packets_total, zero series included); median of ${ROUNDS} scrapes, ms:`,
    '',
    '| writer | every device changed | 1% changed | nothing changed | characters |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);
