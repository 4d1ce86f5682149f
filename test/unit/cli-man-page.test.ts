import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPTIONS } from '../../src/cli.js';
import { EXAMPLES, exitCodeLines } from '../../src/cli/help-text.js';
import { manPage } from '../../src/cli/man-page.js';
import { DASHBOARD_KEYS } from '../../src/render/tui/help-view.js';

/** roff text back to what a reader sees: \- is a minus, \e a backslash, \fB...\fR fonts. */
function plain(roff: string): string {
  return roff.replace(/\\f[BIR]/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\').replace(/\\&/g, '');
}

test('the man page lists every option of --help, every example, dashboard key and exit code', () => {
  const page = plain(manPage());
  for (const [name, option] of Object.entries(OPTIONS)) {
    if (option.hidden) {
      assert.ok(!page.includes(`--${name}`), `hidden --${name} stays out`);
      continue;
    }
    assert.ok(page.includes(`--${name}`), `--${name}`);
    if (typeof option.alias === 'string') assert.ok(page.includes(`-${option.alias}, --${name}`), `-${option.alias}`);
  }
  for (const example of EXAMPLES) assert.ok(page.includes(`.B ${example.command}\n${example.what}`), example.command);
  for (const [key] of DASHBOARD_KEYS) assert.ok(page.includes(`.B ${key}\n`), key);
  for (const [status, meaning] of exitCodeLines()) assert.ok(page.includes(`.B ${status}\n${meaning}`), String(status));
});

test('the man page is roff: a title line, sections, no line a request by accident', () => {
  const page = manPage();
  assert.match(page, /^\.TH SOCKEX 1 "" "sockex \d+\.\d+\.\d+" "User Commands"\n/);
  for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'KEYS', 'EXAMPLES', 'EXIT STATUS', 'SEE ALSO']) {
    assert.ok(page.includes(`\n.SH ${section}\n`), section);
  }
  const requests = new Set(['TH', 'SH', 'PP', 'TP', 'B', 'I', 'BR', 'br']);
  for (const line of page.split('\n').filter((l) => l.startsWith('.') || l.startsWith("'"))) {
    assert.ok(requests.has(line.slice(1).split(' ')[0] ?? ''), `a known request: ${line}`);
  }
});

test("the README's exit-code table has one row for each exit code, in order", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const rows = [...readme.matchAll(/^\| (\d+) \| /gm)].map((row) => Number(row[1]));
  assert.deepEqual(rows, exitCodeLines().map(([status]) => status));
});
