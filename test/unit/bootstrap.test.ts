/**
 * scripts/bootstrap.sh installs per purpose: `npm run demo` only what the
 * build and the demo need, `npm test` everything the tests run too; and the
 * README's quick start names the same packages.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The packages of the set an npm script bootstraps, as the script itself lists them. */
function packagesOf(npmScript: string): string[] {
  const purpose = /^sh scripts\/bootstrap\.sh (demo|test) && /.exec(scripts[npmScript] ?? '')?.[1];
  assert.ok(purpose, `npm run ${npmScript} starts with the bootstrap of a named set: ${scripts[npmScript]}`);
  return execFileSync('sh', [`${ROOT}scripts/bootstrap.sh`, '--list', purpose], { encoding: 'utf8' }).trim().split('\n').sort();
}

const BUILD_AND_DEMO = ['bpftool', 'clang', 'iputils-ping', 'libbpf-dev', 'make'];
const TEST_TOOLS = ['groff-base', 'iproute2', 'jq', 'kubernetes-client', 'prometheus', 'strace', 'systemd', 'tcpdump', 'tmux'];

test('npm run demo installs the build and ping only: no Prometheus, tcpdump, strace, tmux or kubectl', () => {
  assert.deepEqual(packagesOf('demo'), BUILD_AND_DEMO);
});

test('npm test and npm run bench install everything the demo needs and every tool the tests run', () => {
  for (const script of ['test', 'bench']) assert.deepEqual(packagesOf(script), [...BUILD_AND_DEMO, ...TEST_TOOLS].sort(), script);
});

test("the README's quick start names both sets", () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8').replace(/\s+/g, ' ');
  // "systemd for systemd-analyze": the package, then what it is there for.
  const named = (text: string | undefined): string[] => (text ?? '').split(', ').map((name) => name.split(' ')[0] ?? '').sort();
  const demo = /The demo needs only the build's and ping's packages \(([^)]*)\)/.exec(readme)?.[1];
  const tools = /the tests also run these tools \(([^)]*)\)/.exec(readme)?.[1];
  assert.deepEqual(named(demo), BUILD_AND_DEMO);
  assert.deepEqual(named(tools), TEST_TOOLS);
});
