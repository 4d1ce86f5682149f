/**
 * The protocol filter's layout: what bpf/build/sockex.bpf.o was compiled with
 * (its BTF) against src/kernel/maps/layout.ts, and the decoding of its maps.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ARRAY_SLOTS, COUNTER_SIZE, CPU_MAJOR_TABLE, IP_MAP, IP_SLOTS, LAYOUT, OTHER_KEY_SIZE, OTHER_MAP, TABLE_SIZE, decodeOtherKey, decodeSlot, sumPerCpu } from '../../src/kernel/maps/layout.js';
import { OVERFLOW_PROTOCOL } from '../../src/model/counters.js';
import { Btf } from './btf.js';
import { mapValues } from './map-values.js';

test('the compiled filter\'s structs and maps are what layout.ts reads', () => {
  const btf = new Btf('sockex.bpf.o');
  assert.deepEqual(btf.struct('sockex_counter'), { size: COUNTER_SIZE, fields: [['bytes', 0, 8], ['packets', 8, 8]] });
  assert.deepEqual(btf.struct('sockex_other_key'), { size: OTHER_KEY_SIZE, fields: [['ethertype', 0, 2], ['direction', 2, 1], ['pad', 3, 1]] });
  assert.equal(btf.arrayLength('sockex_ip_table', 'slot'), ARRAY_SLOTS);
  assert.equal(btf.struct('sockex_ip_table').size, TABLE_SIZE);
  assert.deepEqual(btf.map(IP_MAP), { maxEntries: 1, key: 'unsigned int', value: 'sockex_ip_table' });
  assert.deepEqual(btf.map(OTHER_MAP), { maxEntries: LAYOUT.SOCKEX_OTHER_MAX, key: 'sockex_other_key', value: 'sockex_counter' });
});

test('the numbers BTF cannot carry (#defines used only in code) mirror bpf/sockex.h', () => {
  const header = readFileSync(new URL('../../../bpf/sockex.h', import.meta.url), 'utf8');
  for (const name of ['SOCKEX_DIR_TX', 'SOCKEX_DIR_RX', 'SOCKEX_FAMILY_IPV4', 'SOCKEX_FAMILY_IPV6', 'SOCKEX_FAMILY_OTHER', 'SOCKEX_IP_FAMILIES', 'SOCKEX_IP_PROTOCOLS', 'SOCKEX_LINK_UNKNOWN'] as const) {
    assert.equal(Number(new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1]), LAYOUT[name], name);
  }
});

test('slots decode to direction, family and protocol as the filter encodes them', () => {
  // (dir * families + family) * 256 + protocol
  assert.deepEqual(decodeSlot(6), { direction: 'tx', family: 'ipv4', protocol: 6 });
  assert.deepEqual(decodeSlot(256 + 58), { direction: 'tx', family: 'ipv6', protocol: 58 });
  assert.deepEqual(decodeSlot(512 + 17), { direction: 'rx', family: 'ipv4', protocol: 17 });
  assert.deepEqual(decodeSlot(768 + 255), { direction: 'rx', family: 'ipv6', protocol: 255 });
  assert.deepEqual(decodeSlot(IP_SLOTS), { direction: 'tx', family: 'other', protocol: OVERFLOW_PROTOCOL });
  assert.deepEqual(decodeSlot(IP_SLOTS + 1), { direction: 'rx', family: 'other', protocol: OVERFLOW_PROTOCOL });
  assert.equal(ARRAY_SLOTS, 1026);
});

test('other_counters keys decode the host-order EtherType and direction', () => {
  const key = Buffer.from([0x06, 0x08, 1, 0]); // 0x0806 little-endian, rx
  assert.deepEqual(decodeOtherKey(key, 0), { direction: 'rx', family: 'other', protocol: 0x0806 });
});

test('sumPerCpu adds every CPU of one entry and no other entry', () => {
  const values = mapValues([
    [[1n, 1n], [2n, 1n], [3n, 1n]],
    [[100n, 10n], [0n, 0n], [5n, 1n]],
  ]);
  assert.deepEqual(sumPerCpu(values, 0, 3), { bytes: 6n, packets: 3n });
  assert.deepEqual(sumPerCpu(values, 1, 3), { bytes: 105n, packets: 11n });
});

test('sumPerCpu skips entries that are zero on every CPU', () => {
  const values = mapValues([[[0n, 0n], [0n, 0n]], [[0n, 0n], [0n, 1n]]]);
  assert.equal(sumPerCpu(values, 0, 2), undefined);
  assert.deepEqual(sumPerCpu(values, 1, 2), { bytes: 0n, packets: 1n });
});

test('sumPerCpu stays exact past 2^32 and 2^53, and past 2^64 in the sum', () => {
  const max = 2n ** 64n - 1n;
  const values = mapValues([[[2n ** 32n + 1n, 2n ** 53n + 1n], [max, max]]]);
  const sum = sumPerCpu(values, 0, 2);
  assert.deepEqual(sum, { bytes: 2n ** 32n + 1n + max, packets: 2n ** 53n + 1n + max });
  // Only the high half set: still not mistaken for zero.
  const high = mapValues([[[2n ** 32n, 0n]]]);
  assert.deepEqual(sumPerCpu(high, 0, 1), { bytes: 2n ** 32n, packets: 0n });
});

test('sumPerCpu reads the IP table layout: each CPU holds every slot, one CPU after another', () => {
  const cpus = 3;
  const table = Buffer.alloc(cpus * TABLE_SIZE);
  const put = (cpu: number, slot: number, bytes: bigint, packets: bigint): void => {
    table.writeBigUInt64LE(bytes, cpu * TABLE_SIZE + slot * COUNTER_SIZE);
    table.writeBigUInt64LE(packets, cpu * TABLE_SIZE + slot * COUNTER_SIZE + 8);
  };
  put(0, 17, 100n, 1n);
  put(2, 17, 2n ** 60n, 2n);
  put(1, ARRAY_SLOTS - 1, 7n, 1n);
  assert.deepEqual(sumPerCpu(table, 17, cpus, CPU_MAJOR_TABLE), { bytes: 2n ** 60n + 100n, packets: 3n });
  assert.deepEqual(sumPerCpu(table, ARRAY_SLOTS - 1, cpus, CPU_MAJOR_TABLE), { bytes: 7n, packets: 1n });
  assert.equal(sumPerCpu(table, 6, cpus, CPU_MAJOR_TABLE), undefined);
  // Only the packet count set: still not mistaken for zero.
  put(1, 6, 0n, 1n);
  assert.deepEqual(sumPerCpu(table, 6, cpus, CPU_MAJOR_TABLE), { bytes: 0n, packets: 1n });
});
