/**
 * The npm package end to end: pack this tree, install the tarball into a
 * temporary prefix, and run the installed `sockex` where neither clang nor
 * any header can be found (hidden by a private mount namespace), so the
 * compiled filter must come from inside the package; and check the README's
 * exit-code table, row by row, against that installed bin (what users run).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { VERSION } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';
import { assertNoStackTrace, assertOneLineError, killOnEnd, runCli, type CliRunOptions } from './cli-run.js';
import { udp4Frame } from './frames.js';
import { NetNs, ROOT, RunningSockex, requireRoot, run } from './harness.js';
import { sleep, stalledWithTraffic } from './slow-reader.js';

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

/** The package packed from this tree and installed into a temporary prefix, once for every test here. */
let installation: Promise<string> | undefined;
let installDir: string | undefined;
after(() => {
  if (installDir) rmSync(installDir, { recursive: true, force: true });
});

/** Pack, install, check what was installed; resolves to the installed bin's real path. */
function installedBin(): Promise<string> {
  installation ??= Promise.resolve().then(() => {
    const dir = mkdtempSync(join(tmpdir(), 'sockex-package-'));
    installDir = dir;
    // Rows of the exit-code table run as nobody.
    chmodSync(dir, 0o755);

    // The tests run on the tree `npm run build` just built; packing without
    // scripts ships exactly that build instead of rebuilding under the test
    // runner's feet (a plain `npm pack` runs "prepack", the same build).
    const tarballName = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], 60_000).trim().split('\n').pop() ?? '';
    assert.equal(tarballName, `sockex-${VERSION}.tgz`);
    const tarball = join(dir, tarballName);
    const listing = run('tar', ['-tzf', tarball]).split('\n');
    const shipped = [
      'package/bpf/build/sockex.bpf.o',
      'package/bpf/build/sockex-any.bpf.o',
      // The breakdown filters, one build per --by, for named interfaces and for -i any.
      'package/bpf/build/sockex-by-port.bpf.o',
      'package/bpf/build/sockex-by-host.bpf.o',
      'package/bpf/build/sockex-by-host-port.bpf.o',
      'package/bpf/build/sockex-any-by-port.bpf.o',
      'package/bpf/build/sockex-any-by-host.bpf.o',
      'package/bpf/build/sockex-any-by-host-port.bpf.o',
      // --by process/user/cgroup: the socket hooks, their seed, a tap build per owner.
      'package/bpf/build/who.bpf.o',
      'package/bpf/build/who-seed.bpf.o',
      'package/bpf/build/sockex-by-process.bpf.o',
      'package/bpf/build/sockex-by-cgroup-host-port.bpf.o',
      'package/bpf/build/sockex-any-by-user.bpf.o',
      'package/dist/src/main.js',
      `package/${BIN}`,
      'package/package.json',
      // What the README and the man page point to: the systemd unit, scrape config and DaemonSet, the licence, sockex(1).
      'package/examples/sockex.service',
      'package/examples/prometheus.yml',
      'package/examples/sockex-targets.yml',
      'package/examples/kubernetes/kustomization.yaml',
      'package/examples/kubernetes/Containerfile',
      'package/LICENSE',
      'package/man/sockex.1',
    ];
    for (const file of shipped) assert.ok(listing.includes(file), `${file} is in the package`);
    // Every relative link of the README and docs/ leads to a file in the package: they are read from an install too.
    const docs = ['README.md', ...listing.filter((f) => /^package\/docs\/[^/]+\.md$/.test(f)).map((f) => f.slice('package/'.length))];
    assert.ok(docs.length > 1 && listing.includes('package/README.md'), `the README and docs/ are in the package: ${docs.join(', ')}`);
    for (const doc of docs) {
      for (const [, target = ''] of readFileSync(`${ROOT}${doc}`, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const file = join('package', dirname(doc), target);
        assert.ok(listing.includes(file), `${doc} links to ${target}: ${file} is in the package`);
      }
    }
    assert.ok(!listing.some((f) => f.startsWith('package/dist/test/') || f.startsWith('package/node_modules/')), 'no tests and no node_modules in the package');
    assert.deepEqual(
      listing.filter((f) => f.startsWith('package/bpf/build/')).sort(),
      readdirSync(`${ROOT}bpf/build`).filter((f) => f.endsWith('.bpf.o')).map((f) => `package/bpf/build/${f}`).sort(),
      'the only compiled objects are the filters: none of the benchmark\'s (floor.bpf.o, bench/)',
    );
    assert.deepEqual(
      listing.filter((f) => f.startsWith('package/bpf/') && !f.startsWith('package/bpf/build/')).sort(),
      [
        'package/bpf/Makefile',
        'package/bpf/any-count.h',
        'package/bpf/breakdown-count.h',
        'package/bpf/count.h',
        'package/bpf/owner-lookup.h',
        'package/bpf/owner-maps.h',
        'package/bpf/owner.h',
        'package/bpf/parse.h',
        'package/bpf/protocol-count.h',
        'package/bpf/sockex-any-by.bpf.c',
        'package/bpf/sockex-any.bpf.c',
        'package/bpf/sockex-by.bpf.c',
        'package/bpf/sockex.bpf.c',
        'package/bpf/sockex.h',
        'package/bpf/who-seed.bpf.c',
        'package/bpf/who.bpf.c',
      ],
      'the sources shipped are the filters\' and what they include: none of the benchmark\'s (floor.bpf.c)',
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
    // The bin is the bundled CLI (scripts/bundle.mjs), so these runs also prove the bundle works.
    assert.equal(main, join(prefix, 'lib', 'node_modules', 'sockex', BIN), `bin links to ${readlinkSync(bin)}`);
    assert.ok((statSync(main).mode & 0o111) !== 0, 'the bin is executable');
    assert.ok(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n'), 'the bin starts with a node shebang');
    return bin;
  });
  return installation;
}

test('npm pack -> npm install -g -> the installed sockex counts, with no clang and no headers', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const bin = await installedBin();

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
  const udpBytes = udp4Frame(300) + udp4Frame(700); // 1084 each way
  assert.deepEqual(
    samples[5]?.counters.map((c) => `${c.interface}/${c.direction}/${c.family}/${c.protocol} ${c.bytes} ${c.packets}`),
    [`lo/tx/ipv4/17 ${udpBytes} 2`, `lo/rx/ipv4/17 ${udpBytes} 2`],
  );

  // The breakdown filter ships too: --by loads it from the installed package.
  const by = spawnSync('ip', ['netns', 'exec', ns.name, 'unshare', '-m', 'sh', '-c', SANDBOX, 'sandbox', bin, '--by', 'port,host', '--json', '--count', '1'], { encoding: 'utf8', env });
  assert.equal(by.status, 0, by.stderr);
  assert.deepEqual((JSON.parse(by.stdout) as { breakdown?: { by: string[] } }).breakdown?.by, ['port', 'host']);
});

test('the unit as shipped passes systemd-analyze verify, with sockex installed by npm -g under /usr/local or /usr', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const bin = await installedBin();
  const prefix = dirname(dirname(bin));
  const unit = join(prefix, 'lib', 'node_modules', 'sockex', 'examples', 'sockex.service');
  // systemd's search path for a bare ExecStart name, and the PATH a service runs with.
  const servicePath = run('systemd-path', ['search-binaries-default']).trim();
  // The installed prefix laid over each of npm's usual prefixes, in a private mount namespace.
  const mounts = {
    '/usr/local': `mount --bind "${prefix}" /usr/local`,
    '/usr': `mount -t overlay sockex-usr -o "lowerdir=${prefix}:/usr" /usr`,
  };
  for (const [where, mount] of Object.entries(mounts)) {
    const script = `set -e; ${mount}; systemd-analyze verify "${unit}"; env -i PATH="${servicePath}" sockex --version`;
    const verified = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
    assert.equal(verified.status, 0, `npm prefix ${where}: ${verified.stderr}`);
    assert.equal(verified.stderr, '', `npm prefix ${where}: systemd-analyze has no complaint`);
    assert.equal(verified.stdout, `${VERSION}\n`, `npm prefix ${where}: the service's PATH finds sockex and node`);
  }
  // Where systemd cannot find the program, verify says so: the check above means something.
  const missing = spawnSync('sh', ['-c', `sed 's/^ExecStart=sockex /ExecStart=sockex-not-installed /' "${unit}" > "$0" && systemd-analyze verify "$0"`, join(prefix, 'sockex-missing.service')], { encoding: 'utf8' });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /Command sockex-not-installed is not executable/);
});

/** The bin's answer to a run that must fail: one line on stderr, this code, no stack, nothing on stdout. */
function failsWith(bin: string, args: string[], exitCode: number, message: RegExp, options: CliRunOptions = {}): void {
  const result = runCli(args, { program: bin, ...options });
  assertOneLineError(result, exitCode, message);
  assert.equal(result.stdout, '', 'nothing on stdout');
}

test("the README's exit-code table, row by row, against the installed package's bin", { timeout: 240_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const bin = await installedBin();
  const fixtures = `${ROOT}test/fixtures/build/`;
  const ns = NetNs.create(t, 'codes');

  await t.test('0: --count reached, --help', () => {
    const counted = runCli(['--json', '--count', '2', '--interval', '0.1'], { program: bin, ns });
    assert.equal(counted.status, ExitCode.ok, counted.stderr);
    assert.equal(counted.stdout.split('\n').filter((line) => line !== '').length, 2);
    const help = runCli(['--help'], { program: bin });
    assert.equal(help.status, ExitCode.ok);
    assert.match(help.stdout, /--interface/);
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    await t.test(`0: ${signal}, with a final sample`, async (st) => {
      const sockex = killOnEnd(st, new RunningSockex(ns.spawn(process.execPath, [bin, '--json', '--interval', '5'])));
      await sockex.attached();
      assert.equal(await sockex.stop(signal), ExitCode.ok, sockex.stderr);
      assert.equal(sockex.samples().length, 2, 'the first sample and the final one');
    });
  }

  await t.test('0: stdout closed (sockex | head -1)', () => {
    const script = `"${process.execPath}" "${bin}" --interval 5 --plain | head -1; echo "sockex=\${PIPESTATUS[0]}" >&2`;
    const result = spawnSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { encoding: 'utf8', timeout: 4500 });
    assert.equal(result.error, undefined, 'ended before the second sample');
    assert.match(result.stderr, /^sockex=0$/m);
  });

  await t.test('1: a second Ctrl-C while stopping (waiting for a reader that does not read)', async (st) => {
    const sockex = await stalledWithTraffic(st, ns, ['--json', '--interval', '0.01'], 300, bin);
    await sleep(500);
    sockex.child.kill('SIGINT');
    await sleep(300);
    assert.equal(sockex.child.exitCode, null, 'the first Ctrl-C waits for the reader');
    sockex.child.kill('SIGINT');
    assert.equal(await sockex.exit(), ExitCode.internal, sockex.stderr);
    assertNoStackTrace(sockex.stderr);
  });

  await t.test('2: usage', () => {
    failsWith(bin, ['--interval', '0'], ExitCode.usage, /--interval/);
    failsWith(bin, ['--bogus'], ExitCode.usage, /bogus/);
    failsWith(bin, ['--interface', 'a/b'], ExitCode.usage, /not a valid interface name/);
    failsWith(bin, ['--json', '--plain'], ExitCode.usage, /two outputs/);
    failsWith(bin, ['--quiet'], ExitCode.usage, /--quiet alone shows nothing/);
    failsWith(bin, ['lo', '--by', 'port'], ExitCode.usage, /--by needs --json or the dashboard/, { ns });
  });

  await t.test('3: permission (nobody, no capabilities)', () => {
    failsWith(bin, ['--count', '1'], ExitCode.permission, /CAP_BPF and CAP_NET_RAW/, { ns, asNobody: true });
  });

  await t.test('4: no such interface; the only interface disappeared while counting (--exit-when-gone)', async (st) => {
    failsWith(bin, ['--interface', 'nosuch0', '--count', '1'], ExitCode.interface, /no interface named "nosuch0"/, { ns });
    ns.exec('ip', ['link', 'add', 'sxa', 'type', 'veth', 'peer', 'name', 'sxb']);
    const sockex = killOnEnd(st, new RunningSockex(ns.spawn(process.execPath, [bin, '--json', '--interval', '0.1', '-i', 'sxa', '--exit-when-gone'])));
    await sockex.attached();
    ns.exec('ip', ['link', 'delete', 'sxa']);
    assert.equal(await sockex.exit(), ExitCode.interface, sockex.stderr);
    assert.match(sockex.stderr, /^sockex: interface sxa disappeared: nothing left to count on$/m);
  });

  await t.test('5: compiled filter missing or not BPF', () => {
    failsWith(bin, ['--object', '/nonexistent/sockex.bpf.o', '--count', '1'], ExitCode.object, /not found/, { ns });
    failsWith(bin, ['--object', `${ROOT}package.json`, '--count', '1'], ExitCode.object, /not a BPF object/, { ns });
  });

  await t.test('6: the verifier rejects the filter', () => {
    failsWith(bin, ['--object', `${fixtures}verifier-reject.bpf.o`, '--count', '1'], ExitCode.verifier, /verifier rejected/, { ns });
  });

  await t.test('7: libbpf too old', () => {
    // Outside the namespace: ip(8) links libbpf too.
    failsWith(bin, ['--count', '1'], ExitCode.libbpf, /too old/, { env: { LD_LIBRARY_PATH: `${fixtures}libbpf-old` } });
  });

  await t.test('8: --metrics cannot be served: port in use, address not here, port below 1024, unresolvable host', async (st) => {
    const serving = killOnEnd(st, new RunningSockex(ns.spawn(process.execPath, [bin, '--json', '--metrics', '9469'])));
    await serving.attached();
    failsWith(bin, ['--metrics', '9469', '--count', '1'], ExitCode.metrics, /already in use/, { ns });
    assert.equal(await serving.stop(), ExitCode.ok, serving.stderr);
    failsWith(bin, ['--metrics', '192.0.2.1:9469', '--count', '1'], ExitCode.metrics, /not on this host/, { ns });
    failsWith(bin, ['--metrics', '80', '--count', '1'], ExitCode.metrics, /below 1024/, { ns, asNobody: true });
    failsWith(bin, ['--metrics', 'nosuch.invalid:9469', '--count', '1'], ExitCode.metrics, /does not resolve/, { ns });
  });

  await t.test('9: another system call fails (SO_ATTACH_BPF refuses a program that is no socket filter)', () => {
    failsWith(bin, ['--object', `${fixtures}wrong-type.bpf.o`, '--count', '1'], ExitCode.io, /SO_ATTACH_BPF \(EINVAL\)/, { ns });
  });

  await t.test('10: output: stdout is /dev/full (ENOSPC)', () => {
    const result = runCli(['--quiet', '--json', '--count', '2'], { program: bin, ns, stdoutTo: '/dev/full' });
    assertOneLineError(result, ExitCode.output, /^sockex: cannot write to stdout \(ENOSPC: no space left on device\): last 1 sample of 1 not written$/);
  });

  await t.test('11: out of file descriptors (10 interfaces under a hard limit of 64)', () => {
    const names = Array.from({ length: 10 }, (_, i) => `fd${i}`);
    for (const name of names) ns.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
    const args = [...names.flatMap((name) => ['-i', name]), '--count', '1'];
    failsWith(bin, args, ExitCode.descriptors, /^sockex: too few file descriptors \(the next open would fail with EMFILE\): 10 interfaces need about \d+ \(9 each/, { ns, under: ['prlimit', '--nofile=64:64'] });
  });
});
