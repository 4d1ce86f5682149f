/**
 * The link-header length the filter assumes per ARPHRD type, and the
 * -i any map kept equal to the interfaces present (with a fake map writer).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkHeaderMap } from '../../src/kernel/maps/link-header-map.js';
import { ARPHRD, LINK_UNKNOWN, linkHeaderLength } from '../../src/kernel/maps/link-header.js';

test('Ethernet and loopback have a 14-byte link header; tun, WireGuard, IP tunnels, PPP and raw IP none', () => {
  assert.equal(linkHeaderLength(ARPHRD.ETHER), 14);
  assert.equal(linkHeaderLength(ARPHRD.LOOPBACK), 14);
  for (const type of [ARPHRD.NONE, ARPHRD.TUNNEL, ARPHRD.TUNNEL6, ARPHRD.SIT, ARPHRD.PPP, ARPHRD.RAWIP]) {
    assert.equal(linkHeaderLength(type), 0, `ARPHRD ${type}`);
  }
});

test('GRE, InfiniBand, radiotap and unknown types take the fallback', () => {
  for (const type of [778 /* IPGRE */, 823 /* IP6GRE */, 32 /* INFINIBAND */, 803 /* IEEE80211_RADIOTAP */, 0xffff, 12345]) {
    assert.equal(linkHeaderLength(type), LINK_UNKNOWN, `ARPHRD ${type}`);
  }
  assert.equal(LINK_UNKNOWN, 255);
});

function fakeMap(): { map: LinkHeaderMap; ops: string[]; entries: Map<number, number> } {
  const ops: string[] = [];
  const entries = new Map<number, number>();
  const map = new LinkHeaderMap({
    set(ifindex, length) {
      ops.push(`set ${ifindex}=${length}`);
      entries.set(ifindex, length);
    },
    delete(ifindex) {
      ops.push(`delete ${ifindex}`);
      entries.delete(ifindex);
    },
  });
  return { map, ops, entries };
}

test('the map follows the interfaces present: new ones written, vanished ones deleted, unchanged ones left alone', () => {
  const { map, ops, entries } = fakeMap();
  map.update([
    { ifindex: 1, type: ARPHRD.LOOPBACK },
    { ifindex: 2, type: ARPHRD.ETHER },
    { ifindex: 5, type: ARPHRD.NONE },
  ]);
  assert.deepEqual([...entries], [[1, 14], [2, 14], [5, 0]]);
  ops.length = 0;

  map.update([
    { ifindex: 1, type: ARPHRD.LOOPBACK },
    { ifindex: 5, type: ARPHRD.NONE },
    { ifindex: 7, type: ARPHRD.ETHER },
  ]);
  assert.deepEqual(ops, ['set 7=14', 'delete 2']);
  assert.deepEqual([...entries].sort(([a], [b]) => a - b), [[1, 14], [5, 0], [7, 14]]);
});

test('unknown link types spend no entry (absent means the fallback); a type change rewrites the entry', () => {
  const { map, ops, entries } = fakeMap();
  map.update([{ ifindex: 3, type: 778 }]);
  assert.deepEqual(ops, []);
  map.update([{ ifindex: 3, type: ARPHRD.ETHER }]);
  map.update([{ ifindex: 3, type: 778 }]);
  map.update([]);
  assert.deepEqual(ops, ['set 3=14', 'delete 3']);
  assert.equal(entries.size, 0);
  assert.equal(map.knownType(3), undefined);
});
