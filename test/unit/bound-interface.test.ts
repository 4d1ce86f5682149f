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

/** A socket the fake kernel unbinds (-1) like the real one; refuseNext makes the next bind() fail as for a link gone again. */
function fakeSocket(ifindex: number): Binding & { unbind(): void; binds: number[]; refuseNext: boolean } {
  let bound = ifindex;
  return {
    binds: [],
    refuseNext: false,
    boundIfindex: () => bound,
    unbind() {
      bound = -1;
    },
    bind(to: number) {
      this.binds.push(to);
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
  return { links, socket: fakeSocket(5), watch: new BoundInterface('va', 5, table, () => clock.ms), clock };
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
  socket.unbind();
  assert.deepEqual(watch.poll(socket), [{ kind: 'lost', interface: 'va' }]);
  assert.deepEqual(watch.poll(socket), []);
  assert.deepEqual(watch.poll(socket), []);
});

test('back later under a new ifindex: rebound to it, with the gap since it was last seen bound', () => {
  const { links, socket, watch, clock } = setup();
  clock.ms = 1200;
  watch.poll(socket); // still bound at 1200
  links.delete(5);
  socket.unbind();
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
  socket.unbind();
  clock.ms = 1300;
  assert.deepEqual(watch.poll(socket), [
    { kind: 'lost', interface: 'va' },
    { kind: 'rebound', interface: 'va', ifindex: 5, goneForMs: 300 },
  ]);
});

test('back but down (moved between namespaces brings it down): rebound, then down; up when it is', () => {
  const { links, socket, watch } = setup();
  links.delete(5);
  socket.unbind();
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
  socket.unbind();
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
