/**
 * BreakdownOrder: sortBreakdown's order kept between samples while every
 * place holds the same identity, sorted again as soon as one does not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BreakdownOrder } from '../../src/model/breakdown-order.js';
import { breakdownId, sortBreakdown, type BreakdownReading } from '../../src/model/breakdown.js';

function udp(device: string, port: number | 'other', bytes = 1): BreakdownReading {
  return { interface: device, ifindex: device === 'lo' ? 1 : 2, direction: 'tx', family: 'ipv4', protocol: 17, port, bytes: BigInt(bytes), packets: 1n };
}

const inOrder = (items: readonly BreakdownReading[], order: readonly number[]): BreakdownReading[] => order.map((i) => items[i]!);

test('the same ids at the same places: the last order again, though the counts moved', () => {
  const order = new BreakdownOrder();
  const first = [udp('lo', 443), udp('eth0', 22), udp('lo', 'other'), udp('lo', 80)];
  const kept = order.of(first, first.map(breakdownId));
  assert.deepEqual(inOrder(first, kept), sortBreakdown(first));
  const moved = first.map((r) => ({ ...r, bytes: r.bytes + 100n }));
  assert.equal(order.of(moved, moved.map(breakdownId)), kept);
});

test('a key added, gone or moved to another place: sorted again, as sortBreakdown sorts', () => {
  const order = new BreakdownOrder();
  const lists = [
    [udp('lo', 443), udp('eth0', 22), udp('lo', 80)],
    [udp('lo', 443), udp('eth0', 22), udp('lo', 80), udp('eth0', 'other')],
    [udp('lo', 443), udp('lo', 80), udp('eth0', 'other')],
    [udp('lo', 80), udp('lo', 443), udp('eth0', 'other')],
    [udp('lo', 80), udp('lo', 53), udp('eth0', 'other')],
  ];
  for (const list of lists) assert.deepEqual(inOrder(list, order.of(list, list.map(breakdownId))), sortBreakdown(list));
});

test('without identities it sorts every time', () => {
  const order = new BreakdownOrder();
  const a = [udp('lo', 443), udp('lo', 80)];
  const b = [udp('lo', 22), udp('lo', 9)];
  order.of(a);
  assert.deepEqual(inOrder(b, order.of(b)), sortBreakdown(b));
  // Nor does an order made without them count as one for no keys.
  assert.deepEqual(order.of([], []), []);
});
