/**
 * Running the real CLI to completion (for runs that should fail or end by
 * themselves), and checking the error contract: one line on stderr, the
 * documented exit code, no stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CLI, type NetNs, type RunningSockex } from './harness.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

export interface CliRunOptions {
  /** The script node runs (default: the bundled bin, CLI), e.g. an installed package's bin. */
  program?: string;
  /** Run inside this namespace. */
  ns?: NetNs;
  /** Extra environment (merged over ours). */
  env?: NodeJS.ProcessEnv;
  /** Run as nobody with no capabilities at all. */
  asNobody?: boolean;
  timeoutMs?: number;
}

export const NOBODY_PREFIX = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

export function runCli(args: string[], options: CliRunOptions = {}): CliResult {
  let command = [process.execPath, options.program ?? CLI, ...args];
  if (options.asNobody) command = [...NOBODY_PREFIX, ...command];
  if (options.ns) command = ['ip', 'netns', 'exec', options.ns.name, ...command];
  const [file = '', ...rest] = command;
  const result = spawnSync(file, rest, {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 15_000,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, pid: result.pid };
}

/** A V8 stack frame ("    at foo (file.js:1:2)") or an uncaught error banner. */
const STACK_TRACE = /^\s+at\s|^\w*Error:|node:internal|\.js:\d+:\d+/m;

export function assertNoStackTrace(text: string, context = ''): void {
  assert.doesNotMatch(text, STACK_TRACE, `stack trace in output${context}: ${text}`);
}

/** The bad-input contract: exactly one "sockex: ..." line on stderr, this exit code, no stack. */
export function assertOneLineError(result: CliResult, exitCode: number, message: RegExp): string {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(result.signal, null, `killed by ${result.signal}; stderr: ${result.stderr}`);
  assert.equal(result.status, exitCode, `exit code; stderr: ${result.stderr}`);
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  const [line = ''] = lines;
  assert.match(line, /^sockex: /);
  assert.match(line, message);
  assertNoStackTrace(result.stderr);
  return line;
}

/** A failed assertion must not leave a sockex running after its test. */
export function killOnEnd(t: TestContext, sockex: RunningSockex): RunningSockex {
  t.after(() => {
    if (sockex.child.exitCode === null && sockex.child.signalCode === null) sockex.child.kill('SIGKILL');
  });
  return sockex;
}

/**
 * A directory holding a `sockex` that runs the bundled bin, for PATH: what
 * the help's examples and the completion script call by name. Removed when
 * the test ends.
 */
export function sockexOnPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sockex'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  return dir;
}
