/**
 * Which output a run gets, from the options and what stdout is: the rules of
 * src/cli/output.ts, and the refusal of --by where the output is the line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseOutput, type OutputOptions } from '../../src/cli/output.js';
import { SockexError } from '../../src/errors.js';

const none: OutputOptions = { json: false, plain: false, quiet: false, by: [] };
const terminal = { isTTY: true, term: 'xterm-256color' };
const pipe = { isTTY: false, term: 'xterm-256color' };
const dumb = { isTTY: true, term: 'dumb' };

test('a terminal gets the dashboard; a pipe or a dumb terminal the line; --json JSON everywhere; --plain the line everywhere', () => {
  assert.equal(chooseOutput(none, terminal), 'dashboard');
  assert.equal(chooseOutput(none, pipe), 'lines');
  assert.equal(chooseOutput(none, dumb), 'lines');
  for (const stdout of [terminal, pipe, dumb]) {
    assert.equal(chooseOutput({ ...none, json: true }, stdout), 'json');
    assert.equal(chooseOutput({ ...none, plain: true }, stdout), 'lines');
    assert.equal(chooseOutput({ ...none, quiet: true }, stdout), 'none');
    assert.equal(chooseOutput({ ...none, quiet: true, json: true }, stdout), 'json');
    assert.equal(chooseOutput({ ...none, quiet: true, plain: true }, stdout), 'lines');
  }
});

test('--by with the line output is refused, saying why; with the dashboard, JSON or no output it is kept', () => {
  const by = { ...none, by: ['port'] };
  const refused = (pattern: RegExp) => (err: unknown) => err instanceof SockexError && err.code === 'usage' && pattern.test(err.message);
  assert.throws(
    () => chooseOutput({ ...by, plain: true }, terminal),
    refused(/^--by needs --json or the dashboard: the line output \(--plain\) is the kernel sample's line, bytes sent per protocol, with no ports or hosts/),
  );
  assert.throws(() => chooseOutput(by, pipe), refused(/the line output \(stdout is not a terminal\)/));
  assert.throws(() => chooseOutput(by, dumb), refused(/the line output \(TERM=dumb\)/));
  assert.equal(chooseOutput(by, terminal), 'dashboard');
  assert.equal(chooseOutput({ ...by, json: true }, pipe), 'json');
  assert.equal(chooseOutput({ ...by, quiet: true }, pipe), 'none');
});
