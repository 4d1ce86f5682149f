/**
 * --metrics on a port that is taken or an address that cannot be served:
 * one line, exit code 8 (ExitCode.metrics), nothing left loaded. A port that
 * cannot exist is a usage error (exit code 2), caught before anything runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertOneLineError, runCli } from './cli-run.js';
import { NetNs, requireRoot, waitFor } from './harness.js';

test('--metrics on a port already in use', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'mport');
  // Something else holds the port, in the same namespace.
  const holder = ns.spawn(process.execPath, [
    '-e',
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))",
  ]);
  t.after(() => holder.kill());
  let out = '';
  holder.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /^\d+\n/.test(out), 10_000, () => 'the port holder did not start');
  const port = Number(out.trim());

  const since = highestProgramId();
  const result = runCli(['--metrics', `127.0.0.1:${port}`, '--count', '1', '--quiet'], { ns });
  const line = assertOneLineError(result, ExitCode.metrics, new RegExp(`${port}`));
  assert.match(line, /in use|EADDRINUSE/i);
  await assertNoProgramLeft(since, result.pid);
});

test('--metrics on an address this host does not have, or a port out of range', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'maddr');
  for (const [address, code] of [
    ['192.0.2.1:9100', ExitCode.metrics],
    ['127.0.0.1:70000', ExitCode.usage],
    ['[::1', ExitCode.usage],
  ] as const) {
    const since = highestProgramId();
    const result = runCli(['--metrics', address, '--count', '1', '--quiet'], { ns });
    assertOneLineError(result, code, /metrics/i);
    await assertNoProgramLeft(since, result.pid);
  }
});
