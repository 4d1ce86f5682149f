/**
 * ifindex -> name for -i any, with a fake interface list: names follow
 * interfaces that come, go and are renamed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterfaceNames, type InterfaceSource } from '../../src/kernel/interface-names.js';

function fakeSource(initial: Record<string, number>): InterfaceSource & { set(now: Record<string, number>): void; reads: number } {
  let current = { ...initial };
  const source = {
    reads: 0,
    set(now: Record<string, number>) {
      current = { ...now };
    },
    list: () => Object.keys(current),
    ifindex(name: string) {
      source.reads += 1;
      return current[name];
    },
  };
  return source;
}

test('names by ifindex, read again only when the listing changes', () => {
  const source = fakeSource({ lo: 1, eth0: 2 });
  const names = new InterfaceNames(source);
  names.refresh();
  assert.equal(names.name(1), 'lo');
  assert.equal(names.name(2), 'eth0');
  const reads = source.reads;
  names.refresh();
  assert.equal(source.reads, reads, 'an unchanged listing costs no ifindex reads');
});

test('a new interface gets its name; a vanished one keeps its last name', () => {
  const source = fakeSource({ lo: 1, eth0: 2 });
  const names = new InterfaceNames(source);
  names.refresh();
  source.set({ lo: 1, veth7: 9 });
  names.refresh();
  assert.equal(names.name(9), 'veth7');
  assert.equal(names.name(2), 'eth0');
});

test('a renamed interface takes its new name', () => {
  const source = fakeSource({ lo: 1, eth0: 2 });
  const names = new InterfaceNames(source);
  names.refresh();
  source.set({ lo: 1, wan: 2 });
  names.refresh();
  assert.equal(names.name(2), 'wan');
});

test('an ifindex never seen in the listing is named ifN', () => {
  const names = new InterfaceNames(fakeSource({ lo: 1 }));
  names.refresh();
  assert.equal(names.name(42), 'if42');
});
