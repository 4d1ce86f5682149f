/**
 * The every-interface filter's key layout: what bpf/build/sockex-any.bpf.o was
 * compiled with (its BTF) against src/kernel/maps/layout.ts, and keys decode
 * to what they count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY_KEY_SIZE, ANY_MAP, ANY_OVERFLOW_MAP, LAYOUT, LINK_DIRECT_MAP, LINK_MAP, decodeAnyKey, decodeAnyOverflowSlot } from '../../src/kernel/maps/layout.js';
import { OVERFLOW_PROTOCOL } from '../../src/model/counters.js';
import { Btf } from './btf.js';

test('struct sockex_any_key is u32 ifindex, u16 protocol, u8 direction, u8 family; the maps are sized as layout.ts says', () => {
  const btf = new Btf('sockex-any.bpf.o');
  assert.deepEqual(btf.struct('sockex_any_key'), { size: ANY_KEY_SIZE, fields: [['ifindex', 0, 4], ['protocol', 4, 2], ['direction', 6, 1], ['family', 7, 1]] });
  assert.deepEqual(btf.map(ANY_MAP), { maxEntries: LAYOUT.SOCKEX_ANY_MAX, key: 'sockex_any_key', value: 'sockex_counter' });
  assert.deepEqual(btf.map(ANY_OVERFLOW_MAP), { maxEntries: LAYOUT.SOCKEX_DIRECTIONS, key: 'unsigned int', value: 'sockex_counter' });
  assert.equal(btf.map(LINK_DIRECT_MAP).maxEntries, LAYOUT.SOCKEX_LINKS_DIRECT);
  assert.equal(btf.map(LINK_MAP).maxEntries, LAYOUT.SOCKEX_LINKS_MAX);
});

test('keys decode to interface, direction, family and protocol', () => {
  const keys = Buffer.alloc(ANY_KEY_SIZE * 3);
  keys.writeUInt32LE(7, 0);
  keys.writeUInt16LE(17, 4);
  keys.writeUInt8(LAYOUT.SOCKEX_DIR_TX, 6);
  keys.writeUInt8(LAYOUT.SOCKEX_FAMILY_IPV4, 7);
  keys.writeUInt32LE(1, 8);
  keys.writeUInt16LE(58, 12);
  keys.writeUInt8(LAYOUT.SOCKEX_DIR_RX, 14);
  keys.writeUInt8(LAYOUT.SOCKEX_FAMILY_IPV6, 15);
  keys.writeUInt32LE(0xfffffff0, 16);
  keys.writeUInt16LE(0x88b5, 20);
  keys.writeUInt8(LAYOUT.SOCKEX_DIR_RX, 22);
  keys.writeUInt8(LAYOUT.SOCKEX_FAMILY_OTHER, 23);
  assert.deepEqual(decodeAnyKey(keys, 0), { ifindex: 7, direction: 'tx', family: 'ipv4', protocol: 17 });
  assert.deepEqual(decodeAnyKey(keys, 8), { ifindex: 1, direction: 'rx', family: 'ipv6', protocol: 58 });
  assert.deepEqual(decodeAnyKey(keys, 16), { ifindex: 0xfffffff0, direction: 'rx', family: 'other', protocol: 0x88b5 });
});

test('overflow slots are per direction, outside the EtherType range', () => {
  assert.deepEqual(decodeAnyOverflowSlot(LAYOUT.SOCKEX_DIR_TX), { direction: 'tx', family: 'other', protocol: OVERFLOW_PROTOCOL });
  assert.deepEqual(decodeAnyOverflowSlot(LAYOUT.SOCKEX_DIR_RX), { direction: 'rx', family: 'other', protocol: OVERFLOW_PROTOCOL });
});
