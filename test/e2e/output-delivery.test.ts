/**
 * Every line delivered: a slow reader gets every sample whole, the last one
 * after a signal too, and a JSON line far above a pipe's 64 KiB; a reader
 * that goes away ends the run at once; --quiet leaves --json and --plain alone; and
 * --verbose shows libbpf's own log.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertNoStackTrace, runCli } from './cli-run.js';
import { CLI, NetNs, ROOT, requireRoot, type JsonSample } from './harness.js';
import { assertEachEtherTypeOnce, sleep, stalledWithTraffic } from './slow-reader.js';

test('a reader starting 3 s late gets all 200 samples of --count 200 --interval 0.01, each line whole', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'slow');
  // About 60 KiB a line once attached: megabytes wait in sockex for the reader.
  const sockex = await stalledWithTraffic(t, ns, ['--json', '--count', '200', '--interval', '0.01'], 300);
  await sleep(3000);
  sockex.child.stdout?.resume();
  assert.equal(await sockex.exit(), ExitCode.ok, sockex.stderr);
  const samples = sockex.samples();
  assert.equal(samples.length, 200);
  assertEachEtherTypeOnce(samples[199] as JsonSample, 300);
});

test('SIGINT with a slow reader: sockex waits for it, and the final sample arrives whole', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'slowint');
  const sockex = await stalledWithTraffic(t, ns, ['--json', '--interval', '0.02'], 256);
  await sleep(1000);
  sockex.child.kill('SIGINT');
  await sleep(500);
  assert.equal(sockex.child.exitCode, null, 'still delivering to the reader that does not read');
  sockex.child.stdout?.resume();
  assert.equal(await sockex.exit(), ExitCode.ok, sockex.stderr);
  // Every line parses (samples() throws on a cut one), the last with every count.
  assertEachEtherTypeOnce(sockex.lastSample(), 256);
  assertNoStackTrace(sockex.stderr);
});

test('a JSON line of 2000+ counters (-i any, 1280 EtherTypes each way on lo) arrives whole after SIGTERM', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'wide');
  const sockex = await stalledWithTraffic(t, ns, ['--json', '-i', 'any', '--interval', '5'], 1280);
  sockex.child.kill('SIGTERM');
  await sleep(500);
  sockex.child.stdout?.resume();
  assert.equal(await sockex.exit(), ExitCode.ok, sockex.stderr);
  const lines = sockex.stdout.split('\n').filter((line) => line !== '');
  const last = lines[lines.length - 1] ?? '';
  assert.ok(last.length > 64 * 1024, `the line is ${last.length} bytes, above a pipe's buffer`);
  const sample = sockex.lastSample();
  assert.ok(sample.counters.length >= 2000, `${sample.counters.length} counters`);
  assertEachEtherTypeOnce(sample, 1280);
});

test('sockex -n 5 --plain | head -1 ends within two seconds, long before the second sample, exit 0, nothing said', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'head');
  const script = `"${process.execPath}" "${CLI}" --interval 5 --plain | head -1; echo "sockex=\${PIPESTATUS[0]}" >&2`;
  // The second sample would come at 5 s; sockex looks for a gone reader twice a second, so
  // start-up, the first sample and one look fit in two seconds.
  const result = spawnSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { encoding: 'utf8', timeout: 2000 });
  assert.equal(result.error, undefined, 'ended within two seconds');
  assert.match(result.stdout, /^TCP \d+ UDP \d+ ICMP \d+ bytes\n$/);
  assert.deepEqual(
    result.stderr.split('\n').filter((line) => line !== ''),
    ['sockex: counting on lo (no default route here; name another with -i); Ctrl-C to stop', 'sockex=0'],
  );
});

test('--quiet with --json or --plain: no status lines, the output still printed', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'quiet');
  const json = runCli(['--quiet', '--json', '--count', '2', '--interval', '0.1'], { ns });
  assert.equal(json.status, ExitCode.ok, json.stderr);
  assert.equal(json.stderr, '');
  const samples = json.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as JsonSample);
  assert.equal(samples.length, 2);
  const plain = runCli(['--quiet', '--plain', '--count', '2', '--interval', '0.1'], { ns });
  assert.equal(plain.status, ExitCode.ok, plain.stderr);
  assert.equal(plain.stderr, '');
  assert.match(plain.stdout, /^(TCP \d+ UDP \d+ ICMP \d+ bytes\n){2}$/);
});

test("--verbose and a filter the verifier rejects: libbpf's own lines, each once, prefixed once, in order", (t) => {
  if (!requireRoot(t)) return;
  const result = runCli(['--object', `${ROOT}test/fixtures/build/verifier-reject.bpf.o`, '--count', '1', '--verbose']);
  assert.equal(result.status, ExitCode.verifier, result.stderr);
  const libbpf = result.stderr.split('\n').filter((line) => line.startsWith('libbpf: '));
  assert.doesNotMatch(result.stderr, /libbpf: libbpf:/);
  const opening = libbpf.findIndex((line) => /^libbpf: loading object from .*verifier-reject\.bpf\.o$/.test(line));
  const failing = libbpf.findIndex((line) => line === "libbpf: prog 'sockex_count': BPF program load failed: Permission denied");
  const failed = libbpf.findIndex((line) => /^libbpf: failed to load object '.*verifier-reject\.bpf\.o'$/.test(line));
  assert.ok(opening >= 0 && opening < failing && failing < failed, `libbpf's lines in order:\n${libbpf.join('\n')}`);
  assert.equal(new Set(libbpf).size, libbpf.length, 'no libbpf line twice');
  assertNoStackTrace(result.stderr);
});
