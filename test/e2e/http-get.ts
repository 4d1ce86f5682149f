/**
 * HTTP GET from inside a network namespace (where the test process cannot
 * connect): a tiny node script run with `ip netns exec`. It exits 1 on a
 * connection error or a status other than 200, so callers can poll until a
 * server is up.
 */
import type { NetNs } from './harness.js';

const SCRIPT = `
const url = process.argv[1];
const request = require('node:http').get(url, { agent: false, timeout: 5000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    if (res.statusCode !== 200) {
      console.error('http-get: ' + url + ': HTTP ' + res.statusCode + ': ' + body.trim());
      process.exit(1);
    }
    process.stdout.write(body);
  });
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (err) => {
  console.error('http-get: ' + url + ': ' + err.message);
  process.exit(1);
});
`;

/** The body, or undefined while nothing answers with 200. */
export function httpGet(ns: NetNs, url: string): string | undefined {
  try {
    return ns.exec(process.execPath, ['-e', SCRIPT, url]);
  } catch {
    return undefined;
  }
}
