/**
 * -i NAME's watch over its interface, with a fake kernel (link list and
 * socket binding) and a fake clock: lost once, rebound at once when a link of
 * that name is back, down / no-carrier / up each said once.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { BoundInterface, type Binding } from '../../src/kernel/filters/bound-interface.js';
import { LinkTable } from '../../src/kernel/links/link-table.js';
import { IFF_UP } from '../../src/kernel/links/rtnetlink.js';
import { FakeLinks } from './fake-links.js';

const { ENODEV } = constants.errno;
const ETHER = 1;
const NONE = 0xfffe;

/** A socket the fake kernel unbinds (-1) like the real one; refuseNext makes the next bind() fail as for a link gone again. */
function fakeSocket(ifindex: number): Binding & { kernelUnbinds(): void; binds: number[]; refuseNext: boolean; calls: string[]; refuseTypes: string | undefined } {
  let bound = ifindex;
  return {
    binds: [],
    refuseNext: false,
    calls: [],
    refuseTypes: undefined,
    useLinkType(type: number) {
      this.calls.push(`type ${type}`);
      return this.refuseTypes;
    },
    boundIfindex: () => bound,
    kernelUnbinds() {
      bound = -1;
    },
    unbind() {
      bound = 0;
      this.calls.push('unbind');
    },
    bind(to: number) {
      this.binds.push(to);
      this.calls.push(`bind ${to}`);
      if (this.refuseNext) {
        this.refuseNext = false;
        return ENODEV;
      }
      bound = to;
      return 0;
    },
  };
}

function setup(flags?: number): { links: FakeLinks; socket: ReturnType<typeof fakeSocket>; watch: BoundInterface; clock: { ms: number } } {
  const links = new FakeLinks({ lo: 1 });
  if (flags !== undefined) links.set('va', 5, flags);
  else links.set('va', 5);
  const clock = { ms: 1000 };
  const table = new LinkTable(links);
  table.refresh();
  return { links, socket: fakeSocket(5), watch: new BoundInterface('va', { ifindex: 5, type: ETHER }, table, () => clock.ms), clock };
}

test('nothing happened: no events, no binds', () => {
  const { socket, watch } = setup();
  assert.deepEqual(watch.poll(socket), []);
  assert.deepEqual(watch.poll(socket), []);
  assert.deepEqual(socket.binds, []);
});

test('unbound and not back: lost, once', () => {
  const { links, socket, watch } = setup();
  links.delete(5);
  socket.kernelUnbinds();
  assert.deepEqual(watch.poll(socket), [{ kind: 'lost', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket), []);
  assert.deepEqual(watch.poll(socket), []);
});

test('back later under a new ifindex: rebound to it, with the gap since it was last seen bound', () => {
  const { links, socket, watch, clock } = setup();
  clock.ms = 1200;
  watch.poll(socket); // still bound at 1200
  links.delete(5);
  socket.kernelUnbinds();
  clock.ms = 1400;
  assert.deepEqual(watch.poll(socket), [{ kind: 'lost', interface: 'va' }]);
  links.set('va', 8);
  clock.ms = 2600;
  assert.deepEqual(watch.poll(socket), [{ kind: 'rebound', interface: 'va', ifindex: 8, goneForMs: 1400 }]);
  assert.equal(socket.boundIfindex(), 8);
  assert.deepEqual(watch.poll(socket), []);
});

test('gone and back (same ifindex) between two polls: lost and rebound in one poll', () => {
  const { links, socket, watch, clock } = setup();
  links.delete(5);
  links.set('va', 5);
  socket.kernelUnbinds();
  clock.ms = 1300;
  assert.deepEqual(watch.poll(socket), [
    { kind: 'lost', interface: 'va' },
    { kind: 'rebound', interface: 'va', ifindex: 5, goneForMs: 300 },
  ]);
});

test('back but down (moved between namespaces brings it down): rebound, then down; up when it is', () => {
  const { links, socket, watch } = setup();
  links.delete(5);
  socket.kernelUnbinds();
  watch.poll(socket);
  links.set('va', 5, 0);
  assert.deepEqual(
    watch.poll(socket).map((e) => e.kind),
    ['rebound', 'down'],
  );
  links.set('va', 5);
  assert.deepEqual(watch.poll(socket), [{ kind: 'up', interface: 'va' }]);
});

test('a bind that fails (gone again before it) is tried again at the next poll', () => {
  const { links, socket, watch } = setup();
  socket.kernelUnbinds();
  links.delete(5);
  links.set('va', 6);
  socket.refuseNext = true;
  assert.deepEqual(watch.poll(socket), [{ kind: 'lost', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket).map((e) => e.kind), ['rebound']);
  assert.deepEqual(socket.binds, [6, 6]);
  assert.equal(socket.boundIfindex(), 6);
});

test('down, no carrier, up: each said once, as it happens', () => {
  const { links, socket, watch } = setup();
  links.set('va', 5, 0);
  assert.deepEqual(watch.poll(socket), [{ kind: 'down', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket), []);
  links.set('va', 5, IFF_UP);
  assert.deepEqual(watch.poll(socket), [{ kind: 'no-carrier', interface: 'va' }]);
  links.set('va', 5);
  assert.deepEqual(watch.poll(socket), [{ kind: 'up', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket), []);
});

test('down at the start: said at the first poll', () => {
  const { socket, watch } = setup(0);
  assert.deepEqual(watch.poll(socket), [{ kind: 'down', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket), []);
});

test('back as another link type (a veth re-created as a tun): the filter is told before the socket is bound to it', () => {
  const { links, socket, watch } = setup();
  links.delete(5);
  socket.kernelUnbinds();
  links.set('va', 9, undefined, NONE);
  assert.deepEqual(watch.poll(socket).map((e) => e.kind), ['lost', 'rebound']);
  assert.deepEqual(socket.calls, [`type ${NONE}`, 'bind 9']);
  // And back to Ethernet the other way.
  links.delete(9);
  socket.kernelUnbinds();
  links.set('va', 10);
  watch.poll(socket);
  assert.deepEqual(socket.calls, [`type ${NONE}`, 'bind 9', `type ${ETHER}`, 'bind 10']);
});

test('back with the same link type: the filter is left as it is', () => {
  const { links, socket, watch } = setup();
  links.delete(5);
  socket.kernelUnbinds();
  links.set('va', 9);
  watch.poll(socket);
  assert.deepEqual(socket.calls, ['bind 9']);
});

test('the bound link changes its type in place (TUNSETLINK while down): the filter is told once', () => {
  const { links, socket, watch } = setup();
  links.set('va', 5, 0, NONE);
  assert.deepEqual(watch.poll(socket), [{ kind: 'down', interface: 'va' }]);
  watch.poll(socket);
  assert.deepEqual(socket.calls, [`type ${NONE}`]);
});

test('back as another link type the filter cannot be loaded for: unreadable, said once, not bound; bound when it changes', () => {
  const { links, socket, watch } = setup();
  socket.refuseTypes = 'no privileges';
  links.delete(5);
  socket.kernelUnbinds();
  links.set('va', 9, undefined, NONE);
  assert.deepEqual(watch.poll(socket), [
    { kind: 'lost', interface: 'va' },
    { kind: 'unreadable', interface: 'va', ifindex: 9, linkType: NONE, reason: 'no privileges' },
  ]);
  assert.deepEqual(watch.poll(socket), []);
  assert.deepEqual(socket.binds, []);
  // Re-created as Ethernet again: the filter reads that as it is.
  links.delete(9);
  links.set('va', 10);
  assert.deepEqual(watch.poll(socket).map((e) => e.kind), ['rebound']);
  assert.deepEqual(socket.binds, [10]);
});

test('the bound link changes its type in place and the filter cannot follow: the socket stops seeing it', () => {
  const { links, socket, watch } = setup();
  socket.refuseTypes = 'no privileges';
  links.set('va', 5, 0, NONE);
  assert.deepEqual(watch.poll(socket).map((e) => e.kind), ['unreadable']);
  assert.deepEqual(socket.calls, [`type ${NONE}`, 'unbind']);
  assert.deepEqual(watch.poll(socket), []);
});
