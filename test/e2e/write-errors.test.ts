/**
 * Output that cannot be written: stdout on /dev/full, a disk that fills up
 * mid-run, stderr that fails. Each is one line on stderr saying what was not
 * written and exit code 10; a reader that went away (EPIPE) stays a quiet
 * end with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertOneLineError, killOnEnd, runCli } from './cli-run.js';
import { CLI, counter, NetNs, requireRoot, run, RunningSockex, waitFor, type JsonSample } from './harness.js';
import { ETH_HLEN } from './frames.js';

const NO_SPACE = /^sockex: cannot write to stdout \(ENOSPC: no space left on device\): /;

test('> /dev/full: one line naming ENOSPC and the sample not written, exit 10', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'full');
  for (const format of ['--json', '--plain']) {
    const result = runCli(['--quiet', format, '--count', '3', '--interval', '0.1'], { ns, stdoutTo: '/dev/full' });
    assertOneLineError(result, ExitCode.output, new RegExp(`${NO_SPACE.source}last 1 sample of 1 not written$`));
  }
  // Not only samples: --help to a full device is no success either.
  const help = runCli(['--help'], { stdoutTo: '/dev/full' });
  assertOneLineError(help, ExitCode.output, new RegExp(`${NO_SPACE.source}the output is incomplete$`));
});

/** A tmpfs of `size`, mounted for this test only. */
function smallDisk(t: TestContext, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-disk-'));
  run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'sockex-disk', dir]);
  t.after(() => {
    run('umount', [dir]);
    rmdirSync(dir);
  });
  return dir;
}

/** Write zeros to a new file until the disk is full. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
}

test('a disk that fills up mid-run: the cut sample is said with its bytes, every line before it is whole and exact', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'disk');
  const disk = smallDisk(t, '1m');
  const path = join(disk, 'samples.ndjson');
  const out = openSync(path, 'w');
  const sockex = killOnEnd(
    t,
    new RunningSockex(spawn('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '-i', 'lo', '--json', '--interval', '0.02'], { stdio: ['ignore', out, 'pipe'] })),
  );
  closeSync(out);
  await sockex.attached();
  ns.tool('udp', ['4', '300,700']);
  const udpBytes = 2 * (ETH_HLEN + 20 + 8) + 300 + 700;
  const counted = `"bytes":${udpBytes},"packets":2`;
  await waitFor(() => readFileSync(path, 'utf8').includes(counted), 5000, () => `the count never reached the file: ${sockex.stderr}`);
  fill(disk);
  assert.equal(await sockex.exit(), ExitCode.output, sockex.stderr);

  const said = sockex.stderr.split('\n').filter((line) => line !== '');
  assert.equal(said.length, 2, sockex.stderr);
  const failure = new RegExp(`${NO_SPACE.source}last (\\d+) samples? of (\\d+) not written(?: \\(cut short after (\\d+) of (\\d+) bytes\\))?$`).exec(said[1] ?? '');
  assert.ok(failure, said[1]);
  const [notWritten, handed, cutAfter] = [failure[1], failure[2], failure[3]].map(Number);
  // Each sample is written whole or it is said: the whole lines, then the cut sample's first bytes.
  const text = readFileSync(path, 'utf8');
  const tail = text.slice(text.lastIndexOf('\n') + 1);
  assert.equal(tail.length, failure[3] === undefined ? 0 : cutAfter);
  const lines = text.slice(0, text.length - tail.length).split('\n').filter((line) => line !== '');
  assert.equal(lines.length, handed! - notWritten!);
  const last = JSON.parse(lines[lines.length - 1] ?? '') as JsonSample;
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(counter(last, { interface: 'lo', direction, family: 'ipv4', protocol: 17 }), { bytes: udpBytes, packets: 2 });
  }
});

test('a reader that goes away (EPIPE) at a short interval is still a quiet end: exit 0, nothing said', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'epipe');
  const script = `"${process.execPath}" "${CLI}" --quiet --json --interval 0.02 | head -c 1 >/dev/null; echo "sockex=\${PIPESTATUS[0]}" >&2`;
  const result = spawnSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.stderr, 'sockex=0\n');
});

test('2>/dev/full: every sample still written whole, and the exit code says stderr failed', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'errfull');
  const result = runCli(['--json', '--count', '2', '--interval', '0.1'], { ns, stderrTo: '/dev/full' });
  assert.equal(result.status, ExitCode.output);
  assert.equal(result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as JsonSample).length, 2);
  const both = runCli(['--json', '--count', '2', '--interval', '0.1'], { ns, stdoutTo: '/dev/full', stderrTo: '/dev/full' });
  assert.equal(both.status, ExitCode.output);
});
