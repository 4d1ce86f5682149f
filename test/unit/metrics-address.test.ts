/**
 * --metrics [host:]port: what is accepted, where it listens, and that every
 * address is never the default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli, parseMetricsAddress } from '../../src/cli.js';
import { SockexError } from '../../src/errors.js';

test('a bare port listens on 127.0.0.1 only', () => {
  assert.deepEqual(parseMetricsAddress('9469'), { host: '127.0.0.1', port: 9469 });
});

test('hosts: IPv4, IPv6 in brackets, every address when named, host names', () => {
  assert.deepEqual(parseMetricsAddress('0.0.0.0:9469'), { host: '0.0.0.0', port: 9469 });
  assert.deepEqual(parseMetricsAddress('192.0.2.7:1'), { host: '192.0.2.7', port: 1 });
  assert.deepEqual(parseMetricsAddress('[::]:65535'), { host: '::', port: 65535 });
  assert.deepEqual(parseMetricsAddress('[::1]:9469'), { host: '::1', port: 9469 });
  assert.deepEqual(parseMetricsAddress('localhost:9469'), { host: 'localhost', port: 9469 });
});

test('bad addresses are usage errors that show the form to use', () => {
  for (const bad of ['', ':9469', '9469:', '0', '65536', '-1', '94a9', '::1:9469', '[::1]', '[1.2.3.4]:80', '[::1]:x', 'ho st:80', 'a/b:80', '1e3']) {
    assert.throws(
      () => parseMetricsAddress(bad),
      (err: unknown) => err instanceof SockexError && err.code === 'usage' && err.message.includes('--metrics') && err.message.includes('e.g.'),
      `"${bad}" should be refused`,
    );
  }
});

test('the command line hands the parsed address on', async () => {
  const options = await parseCli(['--metrics', '[::1]:9100', '--quiet']);
  assert.deepEqual(options?.metrics, { host: '::1', port: 9100 });
  assert.equal(options?.quiet, true);
  assert.equal((await parseCli([]))?.metrics, undefined);
  await assert.rejects(parseCli(['--metrics', 'nope']), (err: unknown) => err instanceof SockexError && err.code === 'usage');
});
