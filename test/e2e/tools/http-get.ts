/**
 * Test helper: GET a URL (from inside a network namespace) and print the body.
 * Exits 1 on a connection error or a status other than 200, so callers can
 * poll until a server is up.
 * Usage: node http-get.js URL
 */
import { get } from 'node:http';

const url = process.argv[2] ?? '';
const request = get(url, { agent: false, timeout: 5000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => {
    if (res.statusCode !== 200) {
      console.error(`http-get: ${url}: HTTP ${res.statusCode}: ${body.trim()}`);
      process.exit(1);
    }
    process.stdout.write(body);
  });
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (err) => {
  console.error(`http-get: ${url}: ${err.message}`);
  process.exit(1);
});
