/**
 * examples/sockex.service, checked the way systemd would run it (no systemd
 * needed): its ExecStart arguments, as user nobody, holding exactly the
 * unit's AmbientCapabilities. The counts must be served and exact; with one
 * capability less, sockex must refuse with the permission exit code.
 * (package.test.ts runs systemd-analyze verify on the unit as installed.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { udp6Frame } from './frames.js';
import { CLI, NetNs, RunningSockex, requireRoot } from './harness.js';
import { scrapeUntil, startService } from './metrics-service.js';
import { unitCommand, unitEnvironment, unitSetting } from './unit-file.js';


/** setpriv arguments: become nobody with exactly these capabilities (names like CAP_BPF). */
function asNobodyWith(capabilities: string[]): string[] {
  const caps = ['-all', ...capabilities.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, `--bounding-set=${caps}`];
}

const [unitProgram, ...unitArgs] = unitCommand;
const capabilities = unitSetting('AmbientCapabilities').split(/\s+/);
/** The unit's Environment=, as env(1) arguments: node must take its NODE_OPTIONS. */
const withUnitEnvironment = ['env', ...unitEnvironment];

test('the unit runs sockex unprivileged with just its capabilities, and the counts are served', { timeout: 30_000 }, async (t) => {
  if (!requireRoot(t)) return;
  assert.deepEqual(capabilities, ['CAP_BPF', 'CAP_NET_RAW']);
  assert.equal(unitSetting('CapabilityBoundingSet'), capabilities.join(' '));
  // A bare name, which systemd looks up where npm install -g puts it.
  assert.equal(unitProgram, 'sockex');
  const metricsAt = unitArgs[unitArgs.indexOf('--metrics') + 1];
  assert.equal(metricsAt, '0.0.0.0:9469', 'the unit serves every address: a Prometheus elsewhere scrapes it');
  assert.ok(unitArgs.includes('--quiet'));

  const ns = NetNs.create(t, 'unit');
  assert.deepEqual(withUnitEnvironment, ['env', 'NODE_OPTIONS=--max-semi-space-size=1'], 'V8 young generation held small (bench section 6)');
  const sockex = await startService(t, ns, [...withUnitEnvironment, ...asNobodyWith(capabilities)], unitArgs);
  ns.tool('udp', ['6', '40,60']);
  const bytes = udp6Frame(40) + udp6Frame(60); // 224 each way
  const text = await scrapeUntil(ns, sockex, `sockex_bytes_total{device="lo",direction="transmit",family="ipv6",protocol="udp"} ${bytes}`, 10_000);
  assert.ok(text.includes(`sockex_bytes_total{device="lo",direction="receive",family="ipv6",protocol="udp"} ${bytes}`));
  assert.equal(await sockex.stop(), 0);
  assert.equal(sockex.stdout, '');
});

test('with a capability less than the unit gives, sockex refuses clearly', { timeout: 30_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'nocap');
  for (const missing of capabilities) {
    const [command = '', ...args] = asNobodyWith(capabilities.filter((c) => c !== missing));
    const sockex = new RunningSockex(ns.spawn(command, [...args, process.execPath, CLI, ...unitArgs, '--count', '1']));
    assert.equal(await sockex.exit(), ExitCode.permission, `without ${missing}: ${sockex.stderr}`);
    assert.match(sockex.stderr, /^sockex: not allowed to .*CAP_BPF and CAP_NET_RAW.*\n$/);
  }
});

test('every socket family sockex opens as the unit runs it is one the unit allows (RestrictAddressFamilies)', { timeout: 30_000 }, (t) => {
  if (!requireRoot(t)) return;
  const allowed = unitSetting('RestrictAddressFamilies').split(/\s+/);
  const ns = NetNs.create(t, 'families');
  // One sample with the unit's own arguments, every socket() it makes (threads included) traced.
  const traced = spawnSync(
    'ip',
    ['netns', 'exec', ns.name, 'strace', '-f', '-qq', '-e', 'trace=socket', '-e', 'signal=none', process.execPath, CLI, ...unitArgs, '--count', '1'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(traced.status, 0, traced.stderr);
  const opened = new Set([...traced.stderr.matchAll(/socket\((AF_[A-Z0-9]+),/g)].map((m) => m[1]));
  for (const family of ['AF_PACKET', 'AF_NETLINK', 'AF_INET']) assert.ok(opened.has(family), `sockex opens ${family}: ${[...opened].join(' ')}`);
  for (const family of opened) assert.ok(allowed.includes(family ?? ''), `${family} is not in RestrictAddressFamilies=${allowed.join(' ')}`);
});
