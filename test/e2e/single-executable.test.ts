/**
 * The single executable (`npm run sea`, scripts/sea.mjs), built once for
 * this file into a temporary directory, run where it stands alone: in a
 * private mount namespace that hides this repository (its node_modules and
 * bpf/build) and the node binary, with a PATH that has no node, from
 * another directory. It must count exactly with its embedded filters and
 * koffi, open its dashboard, and leave nothing in its TMPDIR, even when
 * killed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VERSION } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';
import { assertOneLineError, type CliResult } from './cli-run.js';
import { ETH_HLEN } from './frames.js';
import { NetNs, ROOT, RunningSockex, counter, requireRoot, waitFor } from './harness.js';
import { TmuxTerminal } from './tmux.js';
import { unitEnvironment } from './unit-file.js';

const UDP4_HEADERS = ETH_HLEN + 20 + 8;
const NODE = realpathSync(process.execPath);

/** Hides the repository and the node binary (private mounts), checks both are gone, then runs "$@". */
const SANDBOX = [
  'set -e',
  'mount -t tmpfs sockex-no-repo "$SOCKEX_REPO"',
  'mount --bind /dev/null "$SOCKEX_NODE"',
  'if "$SOCKEX_NODE" -e 0 2>/dev/null; then echo "sandbox: node still runs" >&2; exit 97; fi',
  'if [ -e "$SOCKEX_REPO/package.json" ]; then echo "sandbox: the repository is still there" >&2; exit 98; fi',
  'if [ -n "$SOCKEX_NO_SHM" ]; then mount -t tmpfs -o ro sockex-no-shm /dev/shm; fi',
  'cd "$SOCKEX_ELSEWHERE"',
  'exec "$@"',
].join('\n');

let work: string | undefined;
let built: { executable: string; empty: string; tmp: string } | undefined;
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The single executable, built on first use; an empty directory for PATH and cwd; a TMPDIR to watch. */
function singleExecutable(): { executable: string; empty: string; tmp: string } {
  if (built) return built;
  work = mkdtempSync(join(tmpdir(), 'sockex-sea-'));
  const executable = join(work, 'bin', 'sockex');
  const build = spawnSync(process.execPath, ['scripts/sea.mjs', executable], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(build.status, 0, `npm run sea failed: ${build.stderr}`);
  assert.deepEqual(readdirSync(join(work, 'bin')), ['sockex'], 'only the executable is left of the build');
  const empty = join(work, 'empty');
  const tmp = join(work, 'tmp');
  mkdirSync(empty);
  // Root's alone (0755): sockex gives up root after attaching, and what it reads after that (the dashboard's terminfo) must need no new file.
  mkdirSync(tmp);
  built = { executable, empty, tmp };
  return built;
}

/** The argv that runs args with the single executable, alone: see SANDBOX; in ns when given. */
function alone(args: string[], ns?: NetNs, env: string[] = [], noShm = false): string[] {
  const { executable, empty, tmp } = singleExecutable();
  const enter = ns ? ['ip', 'netns', 'exec', ns.name] : [];
  return [
    'env', `SOCKEX_REPO=${ROOT}`, `SOCKEX_NODE=${NODE}`, `SOCKEX_ELSEWHERE=${empty}`, `SOCKEX_NO_SHM=${noShm ? '1' : ''}`,
    'unshare', '-m', 'sh', '-c', SANDBOX, 'sandbox',
    ...enter, 'env', '-i', `PATH=${empty}`, `TMPDIR=${tmp}`, ...env, executable, ...args,
  ];
}

function runAlone(args: string[], env: string[] = [], noShm = false): CliResult {
  const [file = '', ...rest] = alone(args, undefined, env, noShm);
  const r = spawnSync(file, rest, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid };
}

function assertTmpEmpty(): void {
  assert.deepEqual(readdirSync(singleExecutable().tmp), [], 'nothing left in TMPDIR');
}

test('the single executable is one file that needs no node on PATH: --version, and a bad option as one line with its exit code', (t) => {
  if (!requireRoot(t)) return;
  const { executable } = singleExecutable();
  assert.ok(statSync(executable).mode & 0o111, 'executable');
  const version = runAlone(['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, `${VERSION}\n`);
  assert.equal(version.stderr, '');
  // With the systemd unit's environment (it finds this file in /usr/local/bin): NODE_OPTIONS taken, and no warning.
  assert.ok(unitEnvironment.some((v) => v.startsWith('NODE_OPTIONS=')));
  const asTheUnitRunsIt = runAlone(['--version'], [...unitEnvironment]);
  assert.deepEqual({ status: asTheUnitRunsIt.status, stdout: asTheUnitRunsIt.stdout, stderr: asTheUnitRunsIt.stderr }, { status: 0, stdout: `${VERSION}\n`, stderr: '' });
  assertOneLineError(runAlone(['--bogus']), ExitCode.usage, /^sockex: unknown option --bogus/);
  assertTmpEmpty();
});

test('the single executable makes its embedded files in /dev/shm when TMPDIR cannot have them, and says what to do when neither can', (t) => {
  if (!requireRoot(t)) return;
  const missing = ['TMPDIR=/nonexistent'];
  const counted = runAlone(['--count', '1', '--json', '-i', 'lo'], missing);
  assert.equal(counted.status, 0, counted.stderr);
  assert.match(counted.stdout, /"counters":\[/);
  assertOneLineError(runAlone(['--count', '1', '--json', '-i', 'lo'], missing, true), ExitCode.io, /^sockex: cannot load the embedded koffi\.node in \/nonexistent or \/dev\/shm \(.*\): set TMPDIR to a writable directory/);
});

test('the single executable links nothing the node binary does not: libbpf is its one addition, opened at run time', (t) => {
  if (!requireRoot(t)) return;
  const libraries = (file: string): string[] =>
    spawnSync('ldd', [file], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => line.trim().split(' ')[0] ?? '')
      .filter((name) => name !== '' && !name.startsWith('linux-vdso'))
      .sort();
  assert.deepEqual(libraries(singleExecutable().executable), libraries(NODE));
});

test('the single executable counts exact UDP bytes on lo with its embedded filter: --count 2 --json', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'sea');
  const [file = '', ...rest] = alone(['--count', '2', '--json', '--interval', '3', '-i', 'lo'], ns);
  const sockex = new RunningSockex(spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await sockex.attached();
  // The first sample is taken at the start; the traffic goes in before the second, three seconds on.
  await waitFor(() => sockex.stdout.includes('\n'), 15_000, () => `no first sample: ${sockex.stderr}`);
  ns.tool('udp', ['4', '100,200']);
  assert.equal(await sockex.exit(), 0, sockex.stderr);
  assert.equal(sockex.samples().length, 2);
  const sample = sockex.lastSample();
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 17 }), { bytes: 2 * UDP4_HEADERS + 100 + 200, packets: 2 });
  assert.deepEqual(counter(sample, { direction: 'rx', family: 'ipv4', protocol: 17 }), { bytes: 2 * UDP4_HEADERS + 100 + 200, packets: 2 });
  assert.deepEqual(counter(sample, { direction: 'tx', family: 'ipv4', protocol: 6 }), { bytes: 0, packets: 0 });
  assertTmpEmpty();
});

test('the single executable breaks down by port with its embedded breakdown filter, and leaves nothing behind when killed', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'seaby');
  const [file = '', ...rest] = alone(['--json', '--interval', '0.2', '-i', 'lo', '--by', 'port'], ns);
  const sockex = new RunningSockex(spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await sockex.attached();
  ns.tool('udp', ['4', '100,200']);
  const sent = 2 * UDP4_HEADERS + 100 + 200;
  await waitFor(
    () => sockex.stdout.includes('\n') && counter(sockex.lastSample(), { direction: 'tx', family: 'ipv4', protocol: 17 }).bytes === sent,
    15_000,
    () => `the UDP bytes never showed: ${sockex.stdout.slice(-2000)} ${sockex.stderr}`,
  );
  const parts = sockex.lastSample().breakdown?.counters.filter((c) => c.direction === 'tx' && c.protocol === 17) ?? [];
  assert.equal(parts.reduce((sum, c) => sum + c.bytes, 0), sent, 'the parts add up to the UDP bytes');
  // kill -9: no exit handler runs, yet the embedded files had no names to leave.
  assert.notEqual(await sockex.stop('SIGKILL'), 0);
  assertTmpEmpty();
});

test('the single executable opens the dashboard with its embedded terminfo and counts exactly on screen', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'seatui');
  const command = alone(['--interval', '0.2', '-i', 'lo'], ns, ['TERM=xterm-256color', 'LANG=C.UTF-8']).map(quote).join(' ');
  const terminal = new TmuxTerminal(t, `${command}; echo sockex-exit=$?; exec sleep 600`);
  const until = (what: string, seen: (s: string) => boolean): Promise<string> => terminal.until(what, seen, 15_000);
  const udpRow = (s: string): string => s.split('\n').find((line) => line.trimStart().startsWith('UDP')) ?? '';

  await until('dashboard', (s) => s.includes(' LIVE') && udpRow(s) !== '');
  terminal.keys('e');
  await until('exact values', (s) => s.includes('e exact:on'));
  ns.tool('udp', ['4', '100,200']);
  const sent = (2 * UDP4_HEADERS + 100 + 200).toLocaleString('en-US');
  await until(`UDP ${sent} B`, (s) => udpRow(s).includes(`${sent} B`));
  terminal.keys('q');
  assert.match(await until('exit', (s) => s.includes('sockex-exit=')), /sockex-exit=0/);
  assertTmpEmpty();
});

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
