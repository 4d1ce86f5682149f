/**
 * The npm package end to end: pack this tree, install the tarball into a
 * temporary prefix, and run the installed `sockex` where neither clang nor
 * any header can be found (hidden by a private mount namespace), so the
 * compiled filter must come from inside the package.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { VERSION } from '../../src/cli.js';
import { NetNs, ROOT, RunningSockex, requireRoot, run } from './harness.js';

/**
 * Runs "$@" after hiding every header (/usr/include) and clang's directory
 * behind empty tmpfs mounts, private to this process (unshare -m), and
 * checking they are really gone.
 */
const SANDBOX = [
  'set -e',
  'mount -t tmpfs sockex-no-headers /usr/include',
  'mount -t tmpfs sockex-no-clang "$SOCKEX_CLANG_DIR"',
  'if clang --version >/dev/null 2>&1; then echo "sandbox: clang still runs" >&2; exit 97; fi',
  'if [ -e /usr/include/bpf/bpf_helpers.h ] || [ -e /usr/include/linux/bpf.h ]; then echo "sandbox: headers still there" >&2; exit 98; fi',
  'exec "$@"',
].join('\n');

/** The package's bin, as package.json declares it. */
const BIN = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: { sockex: string } }).bin.sockex;

test('npm pack -> npm install -g -> the installed sockex counts, with no clang and no headers', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'sockex-package-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // The tests run on the tree `npm run build` just built; packing without
  // scripts ships exactly that build instead of rebuilding under the test
  // runner's feet (a plain `npm pack` runs "prepare", the same build).
  const tarballName = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], 60_000).trim().split('\n').pop() ?? '';
  assert.equal(tarballName, `sockex-${VERSION}.tgz`);
  const tarball = join(dir, tarballName);
  const listing = run('tar', ['-tzf', tarball]).split('\n');
  const shipped = [
    'package/bpf/build/sockex.bpf.o',
    'package/bpf/build/sockex-any.bpf.o',
    'package/dist/src/main.js',
    `package/${BIN}`,
    'package/package.json',
    // What the README and the man page point to: the systemd unit and scrape config, the licence, sockex(1).
    'package/examples/sockex.service',
    'package/examples/prometheus.yml',
    'package/LICENSE',
    'package/man/sockex.1',
  ];
  for (const file of shipped) assert.ok(listing.includes(file), `${file} is in the package`);
  assert.ok(!listing.some((f) => f.startsWith('package/dist/test/') || f.startsWith('package/node_modules/')), 'no tests and no node_modules in the package');
  assert.deepEqual(
    listing.filter((f) => f.startsWith('package/bpf/build/')).sort(),
    ['package/bpf/build/sockex-any.bpf.o', 'package/bpf/build/sockex.bpf.o'],
    'the only compiled objects are the two filters: none of the benchmark\'s (floor.bpf.o, bench/)',
  );
  assert.match(readFileSync(`${ROOT}LICENSE`, 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the sockex authors\n/);

  // Nothing runs at install time: the packed package.json builds on prepack only.
  const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'])) as { scripts: Record<string, string>; man: string[] };
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(packed.scripts[hook], undefined, `no ${hook} script`);
  assert.equal(packed.scripts.prepack, 'npm run build');
  assert.deepEqual(packed.man, ['man/sockex.1']);

  // The man page as shipped renders without a single warning.
  const page = run('tar', ['-xzOf', tarball, 'package/man/sockex.1']);
  const rendered = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.equal(rendered.stderr, '', 'groff has no warnings');
  assert.match(page, /^\.TH SOCKEX 1 /);

  // Install: dependencies come from npm's cache when it has them (as after
  // `npm ci`), from the registry otherwise.
  const prefix = join(dir, 'prefix');
  run('npm', ['install', '--global', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], 120_000);
  const bin = join(prefix, 'bin', 'sockex');
  assert.ok(lstatSync(bin).isSymbolicLink());
  const main = realpathSync(bin);
  // The bin is the bundled CLI (scripts/bundle.mjs), so this run also proves the bundle counts.
  assert.equal(main, join(prefix, 'lib', 'node_modules', 'sockex', BIN), `bin links to ${readlinkSync(bin)}`);
  assert.ok((statSync(main).mode & 0o111) !== 0, 'the bin is executable');
  assert.ok(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n'), 'the bin starts with a node shebang');

  const clang = spawnSync('sh', ['-c', 'readlink -f "$(command -v clang)"'], { encoding: 'utf8' }).stdout.trim();
  assert.notEqual(clang, '', 'clang is installed on the build machine (the sandbox hides it)');
  // Only node on PATH: no compiler, and `#!/usr/bin/env node` finds the test's node.
  const env = { PATH: dirname(process.execPath), SOCKEX_CLANG_DIR: dirname(clang) };

  const version = spawnSync('unshare', ['-m', 'sh', '-c', SANDBOX, 'sandbox', bin, '--version'], { encoding: 'utf8', env });
  assert.equal(version.stderr, '');
  assert.equal(version.stdout, `${VERSION}\n`);
  assert.equal(version.status, 0);

  // A short count in a fresh namespace, with known UDP traffic on lo.
  const ns = NetNs.create(t, 'pkg');
  const sockex = new RunningSockex(
    spawn('ip', ['netns', 'exec', ns.name, 'unshare', '-m', 'sh', '-c', SANDBOX, 'sandbox', bin, '-i', 'lo', '--json', '--interval', '0.5', '--count', '6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    }),
  );
  await sockex.attached();
  ns.tool('udp', ['4', '300,700']);
  assert.equal(await sockex.exit(), 0, sockex.stderr);
  const samples = sockex.samples();
  assert.equal(samples.length, 6, 'one sample per --count');
  const udpBytes = 2 * (14 + 20 + 8) + 300 + 700; // 1084 each way
  assert.deepEqual(
    samples[5]?.counters.map((c) => `${c.interface}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`),
    [`lo/tx/ipv4/17 ${udpBytes} 2`, `lo/rx/ipv4/17 ${udpBytes} 2`],
  );
});
