/**
 * The link table behind -i any's names, fed by a fake kernel: names follow
 * interfaces that come, go, are re-created and swap names, from
 * notifications alone; a full listing only at the start and after an overflow.
 * And which names can be interface names, and how they are printed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from '../../src/errors.js';
import { invalidInterfaceName } from '../../src/kernel/links/interface-name.js';
import { LinkTable } from '../../src/kernel/links/link-table.js';
import { FakeLinks, UP } from './fake-links.js';

test('the first refresh lists every link; quiet refreshes list nothing', () => {
  const source = new FakeLinks({ lo: 1, eth0: 2 });
  const links = new LinkTable(source);
  const first = links.refresh();
  assert.deepEqual(first.changed.map((l) => l.name).sort(), ['eth0', 'lo']);
  assert.deepEqual([links.name(1), links.name(2)], ['lo', 'eth0']);
  assert.deepEqual(links.refresh(), { changed: [], gone: [], ended: [] });
  assert.deepEqual(links.refresh(), { changed: [], gone: [], ended: [] });
  assert.equal(source.lists, 1, 'one listing, then notifications only');
});

test('deleted and created again under one name between two refreshes: both indexes carry the name, the old one is gone', () => {
  const source = new FakeLinks({ lo: 1, va: 5 });
  const links = new LinkTable(source);
  links.refresh();
  source.delete(5);
  source.set('va', 6);
  const updates = links.refresh();
  assert.deepEqual(updates.gone, [5]);
  assert.deepEqual(updates.changed.map((l) => [l.name, l.ifindex]), [['va', 6]]);
  assert.equal(links.name(6), 'va');
  assert.equal(links.name(5), 'va', 'a gone link keeps its last name');
  assert.equal(links.named('va')?.ifindex, 6);
  assert.equal(links.link(5), undefined);
});

test('two links that swap names (through a third name) are told apart by ifindex', () => {
  const source = new FakeLinks({ va: 5, vb: 6 });
  const links = new LinkTable(source);
  links.refresh();
  source.set('tmp', 5);
  source.set('va', 6);
  source.set('vb', 5);
  links.refresh();
  assert.deepEqual([links.name(5), links.name(6)], ['vb', 'va']);
  assert.deepEqual([links.named('va')?.ifindex, links.named('vb')?.ifindex, links.named('tmp')], [6, 5, undefined]);
});

test('a link created and deleted between two refreshes is named, and gone', () => {
  const source = new FakeLinks({ lo: 1 });
  const links = new LinkTable(source);
  links.refresh();
  source.set('brief', 9);
  source.delete(9);
  const updates = links.refresh();
  assert.deepEqual(updates, { changed: [], gone: [9], ended: [{ ifindex: 9, name: 'brief', type: 1, flags: UP }] });
  assert.equal(links.name(9), 'brief');
});

test('after an overflow the table is listed again: what the listing lacks is gone', () => {
  const source = new FakeLinks({ lo: 1, va: 5, vb: 6 });
  const links = new LinkTable(source);
  links.refresh();
  source.delete(5);
  source.set('vb2', 6);
  source.set('vc', 7);
  source.overflow(); // the three notifications above are lost
  const updates = links.refresh();
  assert.equal(source.lists, 2);
  assert.deepEqual(updates.gone, [5]);
  assert.deepEqual(updates.changed.map((l) => l.name).sort(), ['lo', 'vb2', 'vc']);
  assert.deepEqual([links.name(6), links.name(7)], ['vb2', 'vc']);
  assert.deepEqual(links.links().map((l) => l.ifindex).sort(), [1, 6, 7]);
});

test('an ifindex never seen is named ifN; close() closes the source', () => {
  const source = new FakeLinks({ lo: 1 });
  const links = new LinkTable(source);
  links.refresh();
  assert.equal(links.name(42), 'if42');
  links.close();
  assert.ok(source.closed);
});

test('an ifindex taken by another link between two refreshes: the one that went is ended, with its name, though not gone', () => {
  const source = new FakeLinks({ lo: 1, va: 600 });
  const links = new LinkTable(source);
  links.refresh();
  source.delete(600);
  source.set('tb', 600, UP, 0xfffe);
  const updates = links.refresh();
  assert.deepEqual(updates.gone, []);
  assert.deepEqual(updates.ended, [{ ifindex: 600, name: 'va', type: 1, flags: UP }]);
  assert.deepEqual(updates.changed, [{ ifindex: 600, name: 'tb', type: 0xfffe, flags: UP }]);
  assert.equal(links.name(600), 'tb');
});

test('a name is refused only where the kernel refuses it: empty, over 15 bytes, ".", "..", "/", ":", spaces', () => {
  for (const name of ['lo', 'hx\u00e9', 'hx\x07', 'wg-\u00fc\u00f1\u00ee', '\u{1f600}', 'a'.repeat(15), '\u00e9'.repeat(7), 'eth0.100', 'a..b', '-x', '\x7f']) {
    assert.equal(invalidInterfaceName(name), undefined, JSON.stringify(name));
  }
  const refused: [string, RegExp][] = [
    ['', /empty/],
    ['a'.repeat(16), /longer than 15 bytes/],
    ['\u00e9'.repeat(8), /longer than 15 bytes/],
    ['.', /"\." and "\.\."/],
    ['..', /"\." and "\.\."/],
    ['a/b', /refuses "\/"/],
    ['eth:0', /refuses ":"/],
    ['eth 0', /refuses " "/],
    ['tab\there', /refuses "\\x09"/],
    ['line\nfeed', /refuses "\\x0a"/],
    // The kernel's isspace() is Latin-1: 0xa0 is a space, also as the second byte of \u00e0 (C3 A0).
    ['hx\u00e0', /refuses "\u00e0"/],
    ['nb\u00a0sp', /refuses "\u00a0"/],
  ];
  for (const [name, why] of refused) assert.match(invalidInterfaceName(name) ?? 'valid', why, JSON.stringify(name));
});

test('printable keeps every character but control characters, which it writes as \\xNN', () => {
  assert.equal(printable('hx\u00e9 \u{1f600} \u4e2d'), 'hx\u00e9 \u{1f600} \u4e2d');
  assert.equal(printable('bell\x07 esc\x1b[2J del\x7f csi\x9b nl\n'), 'bell\\x07 esc\\x1b[2J del\\x7f csi\\x9b nl\\x0a');
});
