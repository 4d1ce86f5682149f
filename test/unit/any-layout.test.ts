/**
 * The every-interface filter's key layout: bpf/sockex.h and
 * src/kernel/maps/layout.ts must agree, and keys decode to what they count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ANY_KEY_SIZE, LAYOUT, decodeAnyKey, decodeAnyOverflowSlot } from '../../src/kernel/maps/layout.js';
import { OVERFLOW_PROTOCOL } from '../../src/model/counters.js';

const header = readFileSync(fileURLToPath(new URL('../../../bpf/sockex.h', import.meta.url)), 'utf8');

function define(name: string): number {
  const match = new RegExp(`^#define ${name} (\\d+)`, 'm').exec(header);
  assert.ok(match, `${name} is defined in bpf/sockex.h`);
  return Number(match[1]);
}

test('sockex.h and layout.ts agree on the any-filter constants', () => {
  assert.equal(define('SOCKEX_FAMILY_OTHER'), LAYOUT.SOCKEX_FAMILY_OTHER);
  assert.equal(define('SOCKEX_ANY_MAX'), LAYOUT.SOCKEX_ANY_MAX);
  assert.equal(define('SOCKEX_FAMILY_IPV4'), LAYOUT.SOCKEX_FAMILY_IPV4);
  assert.equal(define('SOCKEX_FAMILY_IPV6'), LAYOUT.SOCKEX_FAMILY_IPV6);
});

test('struct sockex_any_key is u32 ifindex, u16 protocol, u8 direction, u8 family', () => {
  const struct = /struct sockex_any_key \{([^}]*)\}/.exec(header)?.[1] ?? '';
  const fields = [...struct.matchAll(/__u(\d+) (\w+);/g)].map((m) => `${m[2]}:${m[1]}`);
  assert.deepEqual(fields, ['ifindex:32', 'protocol:16', 'direction:8', 'family:8']);
  assert.equal(ANY_KEY_SIZE, 4 + 2 + 1 + 1);
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
