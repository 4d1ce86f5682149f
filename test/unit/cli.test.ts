import assert from 'node:assert/strict';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { helpText, parseBy, parseCli, parseCount, parseInterval, parseMaxSeries, parseSeriesIdle, type CliSystem } from '../../src/cli.js';
import { manPage } from '../../src/cli/man-page.js';
import { findCgroup2Root } from '../../src/kernel/cgroups/index.js';
import { SockexError } from '../../src/errors.js';

/** A machine whose default route is on eth0, with these interfaces. */
const routed: CliSystem = { defaultRouteInterface: () => 'eth0', interfaceNames: () => ['lo', 'eth0'] };
/** A machine with no default route. */
const isolated: CliSystem = { defaultRouteInterface: () => undefined, interfaceNames: () => ['lo'] };

async function usageMessage(argv: string[], system = routed): Promise<string> {
  try {
    await parseCli(argv, system);
  } catch (err) {
    assert.ok(err instanceof SockexError && err.code === 'usage', `${argv.join(' ')}: ${String(err)}`);
    return err.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

test('defaults: the default route\'s interface, 1 s, until interrupted, lines', async () => {
  const o = await parseCli([], routed);
  assert.ok(o);
  assert.deepEqual(
    { command: o.command, interfaces: o.interfaces, from: o.interfacesFrom, interval: o.interval, count: o.count, json: o.json, plain: o.plain },
    { command: 'count', interfaces: ['eth0'], from: 'default route', interval: 1, count: undefined, json: false, plain: false },
  );
});

test('no default route: lo, and the options say why', async () => {
  const o = await parseCli([], isolated);
  assert.deepEqual([o?.interfaces, o?.interfacesFrom], [['lo'], 'no default route']);
});

test('a bare name is the interface, as with nload; with -i they add up, without repeats', async () => {
  assert.deepEqual((await parseCli(['eth0'], isolated))?.interfaces, ['eth0']);
  const o = await parseCli(['wlan0', '-i', 'eth0', 'wlan0', '--count', '2'], isolated);
  assert.deepEqual([o?.interfaces, o?.interfacesFrom, o?.count], [['wlan0', 'eth0'], 'command line', 2]);
  assert.deepEqual((await parseCli(['any'], isolated))?.interfaces, ['any']);
  assert.deepEqual((await parseCli(['-c', '1', '--', 'eth1'], isolated))?.interfaces, ['eth1'], 'after --');
  assert.equal(await usageMessage(['--no-interface']), '--interface needs a name, e.g. --interface eth0 (see sockex --help)');
  assert.equal(await usageMessage(['-i']), '--interface needs a name, e.g. --interface eth0 (see sockex --help)');
});

test('demo is a command and runs on lo only, whatever the default route; -i names an interface called demo', async () => {
  const demo = await parseCli(['demo'], routed);
  assert.deepEqual([demo?.command, demo?.interfaces], ['demo', ['lo']]);
  await assert.rejects(parseCli(['demo', '-i', 'eth0'], routed), /lo only/);
  assert.deepEqual((await parseCli(['-i', 'demo'], routed))?.interfaces, ['demo']);
  assert.equal(await usageMessage(['demo', 'eth0']), 'demo takes no other words, got "eth0" (see sockex --help)');
});

test('short and long options, repeated interfaces without duplicates', async () => {
  const o = await parseCli(['-i', 'eth0', '--interface', 'lo', '-i', 'eth0', '-n', '0.25', '-c', '5', '--json'], routed);
  assert.ok(o);
  assert.deepEqual(o.interfaces, ['eth0', 'lo']);
  assert.equal(o.interval, 0.25);
  assert.equal(o.count, 5);
  assert.equal(o.json, true);
});

test('--no-tui and --quiet both mean: no dashboard and no status lines, for a run that prints or serves something', async () => {
  assert.equal((await parseCli(['--no-tui', '--json'], routed))?.quiet, true);
  assert.equal((await parseCli(['-q', '--plain'], routed))?.quiet, true);
  assert.equal((await parseCli(['-q', '--metrics', '9469'], routed))?.quiet, true);
  assert.equal((await parseCli([], routed))?.quiet, false);
});

test('--quiet alone (nothing to show) and --json with --plain (two outputs) are refused', async () => {
  const alone = /^--quiet alone shows nothing: it silences the dashboard and status lines of a run that serves --metrics or prints --json or --plain; add one \(see sockex --help\)$/;
  for (const argv of [['-q'], ['--quiet', 'eth0'], ['--no-tui'], ['demo', '-q']]) assert.match(await usageMessage(argv), alone, argv.join(' '));
  for (const argv of [['--json', '--plain'], ['-q', '--plain', '--json', '--metrics', '9469']]) {
    assert.match(await usageMessage(argv), /^--json and --plain are two outputs: give one/, argv.join(' '));
  }
});

test('--by: a mistyped value names the closest', async () => {
  assert.equal(
    await usageMessage(['--by', 'ports']),
    '--by takes protocol, port, host, process, user or cgroup (or port,host), not "ports"; did you mean --by port? (see sockex --help)',
  );
  assert.match(await usageMessage(['--by', 'port,hots']), /not "hots"; did you mean --by host\?/);
  assert.match(await usageMessage(['--by', 'protocl']), /did you mean --by protocol\?/);
  assert.equal(await usageMessage(['--by', 'flow']), '--by takes protocol, port, host, process, user or cgroup (or port,host), not "flow" (see sockex --help)');
});

test('a mistyped option or command names the closest one', async () => {
  assert.equal(await usageMessage(['--interfce', 'eth0']), 'unknown option --interfce; did you mean --interface? (see sockex --help)');
  assert.equal(await usageMessage(['--intervl=2']), 'unknown option --intervl; did you mean --interval? (see sockex --help)');
  assert.equal(await usageMessage(['--jsno']), 'unknown option --jsno; did you mean --json? (see sockex --help)');
  assert.equal(await usageMessage(['--bogus', '-x']), 'unknown option --bogus (and -x) (see sockex --help)');
  assert.equal(await usageMessage(['demoo']), 'no interface or command "demoo" here; did you mean "sockex demo"? (see sockex --help)');
  assert.equal(await usageMessage(['completoin']), 'no interface or command "completoin" here; did you mean "sockex completion"? (see sockex --help)');
  // An interface that exists is never taken for a typo.
  const withDemo1: CliSystem = { ...routed, interfaceNames: () => ['lo', 'demo1'] };
  assert.deepEqual((await parseCli(['demo1'], withDemo1))?.interfaces, ['demo1']);
});

test("yargs' own complaints come out in sockex's words", async () => {
  assert.equal(await usageMessage(['--metrics']), '--metrics needs a value, e.g. --metrics 9469 (see sockex --help)');
  assert.equal(await usageMessage(['-n']), '-n needs a value, e.g. -n 0.5 (see sockex --help)');
  assert.equal(await usageMessage(['--count', '--json']), '--count needs a value, e.g. --count 5 (see sockex --help)');
  assert.equal(await usageMessage(['--object']), '--object needs a value, e.g. --object bpf/build/sockex.bpf.o (see sockex --help)');
});

test('a single-value option given twice is refused, naming both values', async () => {
  assert.equal(await usageMessage(['-n', '1', '-n', '2']), '--interval was given 2 times (1, 2): give it once (see sockex --help)');
  assert.equal(await usageMessage(['--count', '1', '-c', '3']), '--count was given 2 times (1, 3): give it once (see sockex --help)');
  assert.match(await usageMessage(['--metrics', '9469', '--metrics', '9470']), /^--metrics was given 2 times \(9469, 9470\): give it once/);
  // Flags may repeat: saying --json twice means --json.
  assert.equal((await parseCli(['--json', '--json'], routed))?.json, true);
});

test('bad values are one-line usage errors that say what to give instead', async () => {
  for (const argv of [
    ['--interval', '0'],
    ['--interval', '-1'],
    ['--interval', 'NaN'],
    ['--interval', 'fast'],
    ['--interval', '1e9'],
    ['--interval', '0x10'],
    ['--count', '0'],
    ['--count', '-3'],
    ['--count', '1.5'],
    ['--count', 'x'],
    ['--bogus'],
    ['-i', 'a/b'],
    ['a/b'],
    ['-i', 'averyveryverylongname'],
    ['-i', 'any', '-i', 'lo'],
    ['any', 'lo'],
  ]) {
    const message = await usageMessage(argv);
    assert.ok(!message.includes('\n') && message.endsWith(' (see sockex --help)'), `${argv.join(' ')}: ${message}`);
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

test('--help: numbers typed as numbers, how bare words are read, examples and exit codes one line each', async () => {
  const help = await helpText();
  assert.match(help, /-n, --interval .*\[number\] \[default: 1\]/s);
  assert.match(help, /-c, --count .*\[number\]/s);
  assert.doesNotMatch(help, /\[string\] \[default: "1"\]/);
  assert.match(help, /A word that is also a command \(demo, completion\) is taken as the command/);
  assert.match(help, /^ {2}sockex completion +print a bash completion script/m);
  // What the line is (tx only, on purpose), what -c covers, what --plain and --quiet go with.
  const flat = help.replace(/\s+/g, ' ');
  assert.match(flat, /the kernel sample's line per sample: the bytes TCP, UDP and ICMP sent since attach \(tx only, on purpose/);
  assert.match(flat, /each of the N samples closes an interval, so -c 1 answers with one interval's traffic; without it the first sample comes at once/);
  assert.match(flat, /--plain print the kernel sample's line even on a terminal: [^[]*not with --json or --by/);
  assert.match(flat, /-q, --quiet no dashboard and no status lines, [^[]*alone it is refused/);
  const examples = help.slice(help.indexOf('Examples:'), help.indexOf('Exit codes:')).trim().split('\n').slice(1);
  assert.deepEqual(
    examples.map((line) => line.trim().split(/ +# /)[0]),
    ['sockex eth0', 'sockex -i any -c 1 --json | jq .counters', 'sockex eth0 --by port,host', 'sockex -q -i any --metrics 9469', 'sockex demo'],
  );
  for (const line of examples) assert.ok(line.length < 80, `fits 80 columns: ${line}`);
  const exitCodes = help.slice(help.indexOf('Exit codes:')).trim().split('\n').slice(1);
  assert.deepEqual(exitCodes.map((line) => Number(line.trim().split(' ')[0])), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const line of exitCodes) assert.ok(line.length < 80, line);
});

test('--help, --version and completion answer without options', async () => {
  for (const argv of [['--version'], ['-V'], ['completion'], ['--get-yargs-completions', 'sockex', '--int']]) {
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((chunk: string | Uint8Array) => ((printed += String(chunk)), true)) as typeof process.stdout.write;
    const log = console.log;
    console.log = (...args: unknown[]) => void (printed += `${args.join(' ')}\n`);
    try {
      assert.equal(await parseCli(argv, routed), undefined, argv.join(' '));
    } finally {
      process.stdout.write = write;
      console.log = log;
    }
    assert.notEqual(printed, '', `${argv.join(' ')} printed something`);
    if (argv[0] === '--get-yargs-completions') {
      assert.deepEqual(printed.trim().split('\n').filter((w) => w.startsWith('--int')), ['--interface', '--interval']);
      assert.ok(!printed.includes('$0') && !/^--.$/m.test(printed), printed);
    }
  }
});

test('--max-series, --series-idle and --runtime-metrics: defaults, ranges, and refused without what they shape', async () => {
  const d = await parseCli(['--by', 'port', '--metrics', '9469'], routed);
  assert.deepEqual([d?.maxSeries, d?.seriesIdle, d?.runtimeMetrics], [100, 300, false]);
  const o = await parseCli(['--by', 'port', '--metrics', '9469', '--max-series', '20', '--series-idle', '0.5', '--runtime-metrics'], routed);
  assert.deepEqual([o?.maxSeries, o?.seriesIdle, o?.runtimeMetrics], [20, 0.5, true]);
  assert.equal(parseMaxSeries('1'), 1);
  assert.equal(parseMaxSeries('100000'), 100000);
  for (const bad of ['0', '100001', '1.5', 'lots', '-3']) assert.throws(() => parseMaxSeries(bad), /--max-series must be a whole number from 1 to 100000, e\.g\. --max-series 500/);
  assert.equal(parseSeriesIdle('0.01'), 0.01);
  assert.equal(parseSeriesIdle('604800'), 604800);
  for (const bad of ['0', '0.001', '604801', '1e3', 'soon']) assert.throws(() => parseSeriesIdle(bad), /--series-idle must be a number of seconds from 0\.01 to 604800/);
  assert.equal(
    await usageMessage(['--max-series', '10', '--metrics', '9469']),
    "--max-series shapes the breakdown's Prometheus series: add --by port (or host) and --metrics 9469 (see sockex --help)",
  );
  assert.match(await usageMessage(['--series-idle', '10', '--by', 'port']), /^--series-idle shapes the breakdown's Prometheus series: add --by port/);
  assert.equal(await usageMessage(['--runtime-metrics']), '--runtime-metrics adds to the Prometheus metrics: add --metrics 9469 (see sockex --help)');
  assert.match(await usageMessage(['--by', 'port', '--metrics', '9469', '--max-series', '1', '--max-series', '2']), /^--max-series was given 2 times \(1, 2\)/);
  const help = await helpText();
  assert.match(help, /--max-series +with --by and --metrics: port\/host keys .*\[number\] \[default: 100\]/s);
  assert.match(help, /--series-idle +with --by and --metrics: seconds without traffic .*\[number\] \[default: 300\]/s);
  assert.match(help, /--runtime-metrics +with --metrics: add Node\.js's runtime metrics .*\[boolean\] \[default: false\]/s);
  const page = manPage();
  assert.match(page, /^\\fB\\-\\-max\\-series\\fR \\fIn\\fR\n.*\(default: 100\)\.$/m);
  assert.match(page, /^\\fB\\-\\-series\\-idle\\fR \\fIseconds\\fR\n.*\(default: 300\)\.$/m);
});

test('--by process, user and cgroup: one owner at a time, alone or with port and/or host', async () => {
  assert.deepEqual(parseBy('process'), ['process']);
  assert.deepEqual(parseBy(['cgroup', 'port,host']), ['port', 'host', 'cgroup']);
  assert.deepEqual(parseBy('user,protocol'), ['user']);
  assert.equal(
    await usageMessage(['--by', 'process,cgroup']),
    '--by splits by one owner at a time, not process and cgroup: pick one of process, user or cgroup (with port and/or host if you like) (see sockex --help)',
  );
});

test('--cgroup2 PATH: the root of a cgroup v2 mount, only with --by process, user or cgroup; anything else refused in one line', async (t) => {
  const root = findCgroup2Root();
  assert.ok(root, 'this machine has a cgroup2 mount');
  assert.equal((await parseCli(['--by', 'cgroup', '--cgroup2', root], routed))?.cgroup2, root);
  assert.equal((await parseCli(['--by', 'process'], routed))?.cgroup2, undefined, 'default: found in /proc/self/mounts when attaching');
  assert.equal(
    await usageMessage(['--by', 'port', '--cgroup2', root]),
    '--cgroup2 names where the owner hooks attach: add --by process, user or cgroup (see sockex --help)',
  );
  assert.equal(
    await usageMessage(['--by', 'user', '--cgroup2', '/proc']),
    '--cgroup2 "/proc" is not a cgroup v2 mount: name the cgroup v2 root, e.g. --cgroup2 /sys/fs/cgroup (see /proc/self/mounts) (see sockex --help)',
  );
  assert.match(await usageMessage(['--by', 'user', '--cgroup2', '/no/such/dir']), /^--cgroup2 "\/no\/such\/dir" cannot be read \(ENOENT\): name the cgroup v2 root/);
  // A cgroup below the root: what a container with its own cgroup namespace sees as its root.
  const below = mkdtempSync(join(root, 'sockex-unit-'));
  t.after(() => rmdirSync(below));
  assert.match(await usageMessage(['--by', 'cgroup', '--cgroup2', below]), /is a cgroup below the cgroup v2 root \(a namespaced view, as a container has\): name the cgroup v2 root/);
  assert.match(await usageMessage(['--by', 'cgroup', '--cgroup2', root, '--cgroup2', root]), /^--cgroup2 was given 2 times/);
  assert.match(await helpText(), /--cgroup2 +with --by process, user or cgroup: the cgroup v2 root .*\[string\] \[default: found in \/proc\/self\/mounts\]/s);
});
