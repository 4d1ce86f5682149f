import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli, parseCount, parseInterval } from '../../src/cli.js';
import { SockexError } from '../../src/errors.js';

test('defaults: lo, 1 s, until interrupted, lines', async () => {
  const o = await parseCli([]);
  assert.ok(o);
  assert.deepEqual(
    { command: o.command, interfaces: o.interfaces, interval: o.interval, count: o.count, json: o.json, plain: o.plain },
    { command: 'count', interfaces: ['lo'], interval: 1, count: undefined, json: false, plain: false },
  );
});

test('short and long options, repeated interfaces without duplicates', async () => {
  const o = await parseCli(['-i', 'eth0', '--interface', 'lo', '-i', 'eth0', '-n', '0.25', '-c', '5', '--json']);
  assert.ok(o);
  assert.deepEqual(o.interfaces, ['eth0', 'lo']);
  assert.equal(o.interval, 0.25);
  assert.equal(o.count, 5);
  assert.equal(o.json, true);
});

test('--no-tui and --quiet both mean: print nothing', async () => {
  assert.equal((await parseCli(['--no-tui']))?.quiet, true);
  assert.equal((await parseCli(['-q']))?.quiet, true);
  assert.equal((await parseCli([]))?.quiet, false);
});

test('demo is a command and runs on lo only', async () => {
  assert.equal((await parseCli(['demo']))?.command, 'demo');
  await assert.rejects(parseCli(['demo', '-i', 'eth0']), /lo only/);
});

test('bad values are usage errors that say what to give instead', async () => {
  for (const argv of [
    ['--interval', '0'],
    ['--interval', '-1'],
    ['--interval', 'NaN'],
    ['--interval', 'fast'],
    ['--interval', '1e9'],
    ['--count', '0'],
    ['--count', '-3'],
    ['--count', '1.5'],
    ['--count', 'x'],
    ['--bogus'],
    ['frobnicate'],
    ['-i', 'a/b'],
    ['-i', 'averyveryverylongname'],
    ['-i', 'any', '-i', 'lo'],
  ]) {
    await assert.rejects(parseCli(argv), (err: unknown) => err instanceof SockexError && err.code === 'usage' && !err.message.includes('\n'), argv.join(' '));
  }
});

test('parseInterval and parseCount accept exactly the documented ranges', () => {
  assert.equal(parseInterval('0.01'), 0.01);
  assert.equal(parseInterval('86400'), 86400);
  assert.throws(() => parseInterval('0.009'));
  assert.throws(() => parseInterval(''));
  assert.throws(() => parseInterval('Infinity'));
  assert.equal(parseCount('1'), 1);
  assert.throws(() => parseCount('1e3'));
  assert.throws(() => parseCount('99999999999999999999'));
});
