/**
 * The command line as a user types it, with the real CLI: no -i counts on
 * the interface of the namespace's default route; a bare name is the
 * interface; mistyped words get one usage line naming the closest one; Tab
 * completes options, their values and interface names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertOneLineError, runCli, sockexOnPath } from './cli-run.js';
import { PING4_FRAME } from './frames.js';
import { NetNs, counter, requireRoot, startSockex, vethPair } from './harness.js';

test('no -i: sockex counts on the interface of the default route, and says which', async (t) => {
  if (!requireRoot(t)) return;
  const { a } = vethPair(t, 'route');
  a.exec('ip', ['route', 'add', 'default', 'via', '192.0.2.2', 'dev', 'veth-a']);
  const sockex = await startSockex(a, ['--json', '--interval', '0.2']);
  assert.match(sockex.stderr, /^sockex: counting on veth-a \(the default route's interface; name another with -i\)\n/);
  a.exec('ping', ['-4', '-q', '-c', '2', '-i', '0.2', '-W', '1', '192.0.2.2']);
  assert.equal(await sockex.stop(), 0);
  const sample = sockex.lastSample();
  assert.ok(sample.counters.every((c) => c.interface === 'veth-a'), JSON.stringify(sample.counters));
  const echo = PING4_FRAME;
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 1 }), { bytes: 2 * echo, packets: 2 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'ipv4', protocol: 1 }), { bytes: 2 * echo, packets: 2 });
});

test('no -i and no default route: lo; a bare name is the interface', async (t) => {
  if (!requireRoot(t)) return;
  const { a } = vethPair(t, 'route');
  const fallback = runCli(['--count', '1'], { ns: a });
  assert.equal(fallback.status, 0, fallback.stderr);
  assert.match(fallback.stderr, /^sockex: counting on lo \(no default route here; name another with -i\); Ctrl-C to stop\n/);
  const bare = runCli(['veth-a', '--count', '1', '--json'], { ns: a });
  assert.equal(bare.status, 0, bare.stderr);
  assert.match(bare.stderr, /^sockex: counting on veth-a\n/);
});

test('mistyped options and commands: one usage line naming the closest, exit 2', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'typo');
  const cases: [string[], RegExp][] = [
    [['--interfce', 'lo'], /^sockex: unknown option --interfce; did you mean --interface\? \(see sockex --help\)$/],
    [['demoo'], /^sockex: no interface or command "demoo" here; did you mean "sockex demo"\? \(see sockex --help\)$/],
    [['--metrics'], /^sockex: --metrics needs a value, e\.g\. --metrics 9469 \(see sockex --help\)$/],
    [['-n', '1', '-n', '2'], /^sockex: --interval was given 2 times \(1, 2\): give it once \(see sockex --help\)$/],
  ];
  for (const [argv, message] of cases) assertOneLineError(runCli(argv, { ns }), ExitCode.usage, message);
});

test('sockex completion prints a bash script that asks sockex itself; the hidden flag answers', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'compl');
  const script = runCli(['completion'], { ns });
  assert.equal(script.status, 0, script.stderr);
  assert.match(script.stdout, /complete -o bashdefault -o default -F _sockex_yargs_completions sockex/);
  const words = runCli(['--get-yargs-completions', 'sockex', ''], { ns });
  assert.equal(words.status, 0, words.stderr);
  // Commands, any and this namespace's interfaces (only lo here).
  assert.deepEqual(words.stdout.trim().split('\n'), ['demo', 'completion', 'any', 'lo']);
});

test('Tab in bash, through the script sockex completion prints: --by offers its values, -i any and the interfaces', (t) => {
  if (!requireRoot(t)) return;
  const { a } = vethPair(t, 'tab');
  // sockex on PATH, as the completion script calls it by name.
  const bin = sockexOnPath(t);
  // What bash offers after these words, the last one being completed (as the script's function sees COMP_WORDS).
  const tab = (...words: string[]): string[] => {
    const script = [
      'source <(sockex completion)',
      'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))',
      '_sockex_yargs_completions',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const out = a.exec('env', [`PATH=${bin}:${process.env.PATH ?? ''}`, 'bash', '-c', script, 'bash', ...words]);
    return out.split('\n').filter((word) => word !== '');
  };
  assert.deepEqual(tab('sockex', '--by', ''), ['protocol', 'port', 'host', 'process', 'user', 'cgroup', 'port,host']);
  assert.deepEqual(tab('sockex', 'veth-a', '--by', 'po'), ['port', 'port,host']);
  assert.deepEqual(tab('sockex', '-i', ''), ['any', 'lo', 'veth-a']);
  assert.deepEqual(tab('sockex', '--interface', 'v'), ['veth-a']);
  assert.deepEqual(tab('sockex', '-i', 'lo', '-i', 'a'), ['any']);
  assert.deepEqual(tab('sockex', ''), ['demo', 'completion', 'any', 'lo', 'veth-a']);
  assert.deepEqual(tab('sockex', '--js'), ['--json']);
});
