/**
 * The growth benchmark's Prometheus client, run inside the namespace (ip
 * netns exec): GETs URL until it answers 200 or the deadline passes, then
 * prints {"ms": time to the last byte, "bytes": N, "series": sockex series,
 * "counters": sockex_packets_total series above 0}.
 *
 *   scrape.js URL [WAIT_MS] [--body]
 * --body: the exposition text follows the summary line.
 */
import { get } from 'node:http';

interface Scrape {
  ms: number;
  bytes: number;
  series: number;
  counters: number;
  body: string;
}

function scrape(url: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const request = get(url, { agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - start;
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        const body = Buffer.concat(chunks).toString('utf8');
        const lines = body.split('\n');
        const series = lines.filter((line) => line.startsWith('sockex_bytes_total{') || line.startsWith('sockex_packets_total{')).length;
        const counters = lines.filter((line) => line.startsWith('sockex_packets_total{') && !line.endsWith('} 0')).length;
        resolve({ ms, bytes: body.length, series, counters, body });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

const [url = 'http://127.0.0.1:9469/metrics', waitText = '0', withBody] = process.argv.slice(2);
const deadline = Date.now() + Number(waitText);
for (;;) {
  try {
    const { body, ...summary } = await scrape(url);
    process.stdout.write(`${JSON.stringify(summary)}\n${withBody === '--body' ? body : ''}`);
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      process.stderr.write(`scrape: ${url}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
