/**
 * The package's bin is the bundled dist/src/bin/sockex.js (scripts/bundle.mjs)
 * with its chunks; the end-to-end tests run it (harness.ts CLI), and
 * package.test.ts the installed one. These check that the bundle is the same
 * program as the unbundled dist/src/main.js: same
 * answers to --version, --help and bad input, one copy of the error classes,
 * and real counting with the filter it loads from bpf/build/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { udp4Frame } from './frames.js';
import { CLI, NetNs, ROOT, RunningSockex, counter, requireRoot } from './harness.js';

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: { sockex: string } };
const BIN = `${ROOT}${pkg.bin.sockex}`;
const UNBUNDLED = `${ROOT}dist/src/main.js`;

function cli(path: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the bundled bin answers --version, --help and bad input exactly as dist/src/main.js does', () => {
  assert.equal(pkg.bin.sockex, 'dist/src/bin/sockex.js');
  assert.equal(CLI, BIN, 'the end-to-end tests run the bin');
  for (const args of [['--version'], ['--help'], ['--interval', 'soon'], ['--bogus']]) {
    assert.deepEqual(cli(BIN, args), cli(UNBUNDLED, args), args.join(' '));
  }
  assert.match(cli(BIN, ['--help']).stdout, /--interface/);
});

test('the bin and its chunks hold one copy of the error classes, so errors from lazily loaded modules keep their exit codes', () => {
  const dir = dirname(BIN);
  const files = readdirSync(dir).filter((name) => name.endsWith('.js'));
  assert.ok(files.some((name) => name.startsWith('metrics-server-')), `the metrics server is a chunk: ${files.join(', ')}`);
  const copies = files.filter((name) => readFileSync(`${dir}/${name}`, 'utf8').includes('"SockexError"'));
  assert.equal(copies.length, 1, `SockexError defined in ${copies.join(', ')}`);
});

test('the bundled bin loads the filter and counts exact UDP bytes', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'bundle');
  const bundled = new RunningSockex(ns.spawn(process.execPath, [BIN, '--json', '--interval', '0.2']));
  await bundled.attached();
  ns.tool('udp', ['4', '100,200']);
  await bundled.stop();
  const tx = counter(bundled.lastSample(), { direction: 'tx', family: 'ipv4', protocol: 17 });
  assert.deepEqual(tx, { bytes: udp4Frame(100) + udp4Frame(200), packets: 2 });
});
