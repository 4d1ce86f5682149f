/**
 * npm test lints before it tests (so CI fails on a lint error, an unused
 * export or an import cycle), and the cycle check counts type imports: two
 * modules that import only each other's types are a cycle too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

test('npm test runs the lint (eslint, knip, madge --circular) after the build and before any test', () => {
  const steps = (scripts.test ?? '').split(' && ');
  const lint = steps.indexOf('npm run --silent lint');
  assert.ok(lint > steps.findIndex((step) => step.startsWith('sh scripts/bootstrap.sh')) && lint >= 0, scripts.test);
  assert.ok(lint < steps.findIndex((step) => step.startsWith('node --test')), scripts.test);
  const tools = (scripts.lint ?? '').split(' && ').map((step) => step.split(' ')[0]);
  assert.deepEqual(tools, ['eslint', 'knip', 'madge']);
});

test("the lint's cycle check fails on a cycle of type imports", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sockex-cycle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b?: B }\n");
  writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
  const madge = (scripts.lint ?? '').split(' && ').find((step) => step.startsWith('madge ')) ?? '';
  // The same options, on this folder instead of the project's.
  const args = madge.split(' ').slice(1).filter((arg) => !['src', 'test', 'bench'].includes(arg));
  const result = spawnSync(`${ROOT}node_modules/.bin/madge`, [...args, dir], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(result.status, 0, result.stdout);
  assert.match(result.stdout, /a\.ts > b\.ts/);
});
