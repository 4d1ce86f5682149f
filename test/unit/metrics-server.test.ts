/**
 * The metrics server packs the exposition's parts into one reused buffer:
 * what a scraper reads is exactly their join, whatever their sizes (a part
 * larger than the buffer, multi-byte characters at a buffer's edge).
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { PIECE_BYTES, serveMetrics } from '../../src/render/metrics-server.js';
import type { PrometheusRenderer } from '../../src/render/prometheus.js';

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    }).on('error', reject);
  });
}

test('a scrape is the join of the parts: small ones packed, one larger than the buffer, UTF-8 across a buffer edge', async () => {
  const parts = [
    ...Array.from({ length: 5000 }, (_, i) => `sockex_bytes_total{device="veth${i}"} ${i}\n`),
    `# HELP big ${'x'.repeat(PIECE_BYTES + 100)}\n`,
    ...Array.from({ length: 3000 }, (_, i) => `label="é€${i}"\n`),
  ];
  const text = parts.join('');
  const renderer: PrometheusRenderer = {
    exposition: () => Promise.resolve(parts),
    metrics: () => Promise.resolve(text),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    render: () => undefined,
    close: () => undefined,
  };
  const server = await serveMetrics({ host: '127.0.0.1', port: 20000 + (process.pid % 20000) }, renderer);
  try {
    assert.ok(Buffer.byteLength(text) > 4 * PIECE_BYTES, 'several buffers');
    const [a, b] = await Promise.all([fetchText(server.url), fetchText(server.url)]);
    assert.equal(a, text);
    assert.equal(b, text, 'two scrapes at once: each its own buffer');
  } finally {
    server.close();
  }
});
