/**
 * Bad input, through the real CLI: each case gives one line on stderr, its
 * own exit code (src/errors.ts ExitCode), no stack trace, and leaves no
 * sockex program in the kernel.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { DEFAULT_OBJECT_PATH } from '../../src/kernel/filters/filter.js';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertOneLineError, runCli, type CliRunOptions } from './cli-run.js';
import { NetNs, ROOT, requireRoot } from './harness.js';

const FIXTURES = `${ROOT}test/fixtures/build/`;

/** Run the CLI expecting failure; check the contract and that nothing stayed loaded. */
async function expectError(args: string[], exitCode: number, message: RegExp, options: CliRunOptions = {}): Promise<string> {
  const since = highestProgramId();
  const result = runCli(args, options);
  const line = assertOneLineError(result, exitCode, message);
  assert.equal(result.stdout, '', 'nothing on stdout');
  await assertNoProgramLeft(since, result.pid);
  return line;
}

function scratchDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('not root and no capabilities: permission error naming CAP_BPF and CAP_NET_RAW', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'perm');
  const line = await expectError(['--count', '1'], ExitCode.permission, /not allowed/, { ns, asNobody: true });
  assert.match(line, /CAP_BPF and CAP_NET_RAW/);
  assert.match(line, /sudo/);
});

test('unknown interface: the error lists the interfaces that exist', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'ifname');
  ns.exec('ip', ['link', 'add', 'sx-one', 'type', 'veth', 'peer', 'name', 'sx-two']);
  const line = await expectError(['--interface', 'nosuch0', '--count', '1'], ExitCode.interface, /no interface named "nosuch0"/, { ns });
  assert.match(line, /interfaces here: lo, sx-one, sx-two \(or "any" for all\)$/);
});

test('interface names the kernel refuses: too long, "/", ":", spaces, "." and "..", empty', async (t) => {
  if (!requireRoot(t)) return;
  const names = ['a'.repeat(16), 'x'.repeat(300), '\u00e9'.repeat(8), 'a/b', '..', '.', 'eth 0', 'eth:0', 'tab\there', 'hx\u00e0', ''];
  for (const name of names) {
    const line = await expectError(['--interface', name, '--count', '1'], ExitCode.usage, /not a valid interface name/);
    // Control characters are never echoed raw to the terminal.
    assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/, `raw control character echoed for ${JSON.stringify(name)}`);
  }
});

test('names the kernel accepts (non-ASCII, control characters) are looked up: absent ones are "no interface", printed as they are', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'ifbytes');
  await expectError(['--interface', 'caf\u00e9', '--count', '1'], ExitCode.interface, /^sockex: no interface named "caf\u00e9"; interfaces here: lo /, { ns });
  const line = await expectError(['--interface', 'bell\x07', '--count', '1'], ExitCode.interface, /^sockex: no interface named "bell\\x07"/, { ns });
  assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f]/, 'the control character is escaped');
});

test('interval: zero, negative, NaN, text, absurdly large, empty', async (t) => {
  if (!requireRoot(t)) return;
  for (const value of ['0', '-1', '-0.5', 'NaN', 'abc', '1e9', '86401', 'Infinity', '', '0.001', '1.2.3']) {
    await expectError(['--interval', value, '--count', '1'], ExitCode.usage, /--interval must be a number of seconds/);
  }
  // Forms Number() would accept but a person does not mean as seconds.
  for (const value of ['0x10', '1e1', '0b11']) {
    await expectError(['--interval', value, '--count', '1'], ExitCode.usage, /--interval must be a number of seconds/);
  }
});

test('count: zero, negative, fractional, text', async (t) => {
  if (!requireRoot(t)) return;
  for (const value of ['0', '-1', '1.5', 'five', '1e3', '99999999999999999999']) {
    await expectError(['--count', value], ExitCode.usage, /--count must be a whole number/);
  }
});

test('unknown options and commands', async (t) => {
  if (!requireRoot(t)) return;
  const see = ' \\(see sockex --help\\)$';
  await expectError(['--bogus'], ExitCode.usage, new RegExp(`^sockex: unknown option --bogus${see}`));
  await expectError(['-z'], ExitCode.usage, new RegExp(`^sockex: unknown option -z${see}`));
  await expectError(['--verbsoe'], ExitCode.usage, new RegExp(`^sockex: unknown option --verbsoe; did you mean --verbose\\?${see}`));
  await expectError(['dmeo'], ExitCode.usage, new RegExp(`^sockex: no interface or command "dmeo" here; did you mean "sockex demo"\\?${see}`));
  await expectError(['demo', 'extra'], ExitCode.usage, new RegExp(`^sockex: demo takes no other words, got "extra"${see}`));
  // An option without its value never falls back to the default silently.
  await expectError(['--interval'], ExitCode.usage, new RegExp(`^sockex: --interval needs a value, e\\.g\\. --interval 0\\.5${see}`));
  await expectError(['--count'], ExitCode.usage, new RegExp(`^sockex: --count needs a value, e\\.g\\. --count 5${see}`));
  await expectError(['--object'], ExitCode.usage, /^sockex: --object needs a value/);
  await expectError(['-i'], ExitCode.usage, /--interface needs a name/);
});

test('outputs that cannot be: --json with --plain, --quiet alone, --by with the line output, a mistyped --by', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'outputs');
  const see = ' \\(see sockex --help\\)$';
  await expectError(['--json', '--plain'], ExitCode.usage, /^sockex: --json and --plain are two outputs: give one/, { ns });
  for (const quiet of [['-q'], ['--quiet', 'lo', '--count', '1']]) {
    await expectError(quiet, ExitCode.usage, /^sockex: --quiet alone shows nothing: .* add one/, { ns });
  }
  // The line is the kernel sample's, tx bytes per protocol: --by is refused with it, asked for or piped.
  await expectError(['lo', '--plain', '--by', 'port'], ExitCode.usage, new RegExp(`^sockex: --by needs --json or the dashboard: the line output \\(--plain\\).*no ports or hosts${see}`), { ns });
  await expectError(['lo', '--by', 'host'], ExitCode.usage, /^sockex: --by needs --json or the dashboard: the line output \(stdout is not a terminal\)/, { ns });
  await expectError(['lo', '--by', 'ports'], ExitCode.usage, new RegExp(`^sockex: --by takes protocol, port, host, process, user or cgroup \\(or port,host\\), not "ports"; did you mean --by port\\?${see}`), { ns });
});

test('compiled object missing: says how to build it', async (t) => {
  if (!requireRoot(t)) return;
  const dir = scratchDir(t);
  await expectError(['--object', join(dir, 'missing.bpf.o'), '--count', '1'], ExitCode.object, /not found: build it with "npm run build"/);
});

test('compiled object truncated or corrupt', async (t) => {
  if (!requireRoot(t)) return;
  const dir = scratchDir(t);
  const good = readFileSync(DEFAULT_OBJECT_PATH);
  const cases: Record<string, Buffer> = {
    'empty.bpf.o': Buffer.alloc(0),
    'header-only.bpf.o': good.subarray(0, 64),
    'half.bpf.o': good.subarray(0, Math.floor(good.length / 2)),
    'random.bpf.o': seededBytes(4096, 7),
    // A valid ELF header in front of garbage: gets past the first check.
    'elf-then-garbage.bpf.o': Buffer.concat([good.subarray(0, 64), seededBytes(4096, 11)]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    await expectError(['--object', path, '--count', '1'], ExitCode.object, /rebuild it with "npm run build"/);
  }
});

test('a directory or an object without the sockex program', async (t) => {
  if (!requireRoot(t)) return;
  const dir = scratchDir(t);
  await expectError(['--object', dir, '--count', '1'], ExitCode.object, /rebuild it|not a BPF object/);
  const floor = join(dir, 'floor.bpf.o');
  copyFileSync(`${FIXTURES}floor.bpf.o`, floor);
  await expectError(['--object', floor, '--count', '1'], ExitCode.object, /has no program named sockex_count/);
});

test('a filter the verifier rejects: the verifier\'s last lines are in the error', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'verifier');
  const line = await expectError(
    ['--object', `${FIXTURES}verifier-reject.bpf.o`, '--count', '1'],
    ExitCode.verifier,
    /the kernel verifier rejected program sockex_count/,
    { ns },
  );
  assert.match(line, /R0 invalid mem access 'map_value_or_null'/);
  assert.match(line, /earlier log lines omitted; run with --verbose/);
});

test('the verifier\'s whole log with --verbose', async (t) => {
  if (!requireRoot(t)) return;
  const since = highestProgramId();
  const result = runCli(['--object', `${FIXTURES}verifier-reject.bpf.o`, '--count', '1', '--verbose']);
  assert.equal(result.status, ExitCode.verifier, result.stderr);
  assert.match(result.stderr, /func#0|0: \(/, 'the start of the log');
  assert.match(result.stderr, /R0 invalid mem access/);
  assert.doesNotMatch(result.stderr, /^\s+at\s/m);
  await assertNoProgramLeft(since, result.pid);
});

test('libbpf missing: an unloadable libbpf.so.1 first in the library path', async (t) => {
  if (!requireRoot(t)) return;
  const dir = scratchDir(t);
  writeFileSync(join(dir, 'libbpf.so.1'), '');
  await expectError(['--count', '1'], ExitCode.libbpf, /cannot load libbpf\.so\.1 .*install it/, { env: { LD_LIBRARY_PATH: dir } });
});

test('libbpf too old: a libbpf.so.1 that reports version 0.8', async (t) => {
  if (!requireRoot(t)) return;
  await expectError(['--count', '1'], ExitCode.libbpf, /libbpf 0\.8 is too old: sockex needs 1\.0 or newer/, {
    env: { LD_LIBRARY_PATH: `${FIXTURES}libbpf-old` },
  });
});

test('libbpf that lacks a function sockex binds: reported as too old, not a crash', async (t) => {
  if (!requireRoot(t)) return;
  await expectError(['--count', '1'], ExitCode.libbpf, /has no libbpf_set_print: it is too old or not libbpf/, {
    env: { LD_LIBRARY_PATH: `${FIXTURES}libbpf-nothing` },
  });
});

/** Deterministic junk (xorshift32), so a failure can be replayed. */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
