import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatAmount,
  formatCount,
  formatDuration,
  formatInterval,
  formatPacketRate,
  formatRate,
  groupDigits,
  UNIT_MODES,
  unitModeLabel,
  type UnitMode,
} from '../../src/render/units.js';

const bytesIec: UnitMode = { quantity: 'bytes', prefixes: 'iec' };
const bytesSi: UnitMode = { quantity: 'bytes', prefixes: 'si' };
const bitsSi: UnitMode = { quantity: 'bits', prefixes: 'si' };
const bitsIec: UnitMode = { quantity: 'bits', prefixes: 'iec' };

test('amounts below one kilo stay whole, in bytes or bits', () => {
  assert.equal(formatAmount(0n, bytesIec, false), '0 B');
  assert.equal(formatAmount(726n, bytesIec, false), '726 B');
  assert.equal(formatAmount(1023n, bytesIec, false), '1023 B');
  assert.equal(formatAmount(100n, bitsSi, false), '800 bit');
});

test('IEC uses powers of 1024, SI powers of 1000', () => {
  assert.equal(formatAmount(1024n, bytesIec, false), '1.0 KiB');
  assert.equal(formatAmount(1024n, bytesSi, false), '1.0 kB');
  assert.equal(formatAmount(1_258_291n, bytesIec, false), '1.2 MiB'); // 1.2 * 2^20
  assert.equal(formatAmount(1_200_000n, bytesSi, false), '1.2 MB');
  assert.equal(formatAmount(1_200_000n, bitsSi, false), '9.6 Mbit');
  assert.equal(formatAmount(131_072n, bitsIec, false), '1.0 Mibit'); // 2^20 bits
  assert.equal(formatAmount(12_345_678n, bytesSi, false), '12.3 MB');
  assert.equal(formatAmount(123_456_789n, bytesSi, false), '123 MB');
});

test('rounding never shows 1024 of a prefix: it moves up one', () => {
  assert.equal(formatAmount(1024n * 1024n - 1n, bytesIec, false), '1.0 MiB');
  assert.equal(formatAmount(999_999n, bytesSi, false), '1.0 MB');
  assert.equal(formatAmount(99_960n, bytesSi, false), '100 kB');
});

test('amounts past 2^53 are scaled without throwing and exact ones keep every digit', () => {
  const huge = 2n ** 64n - 1n;
  assert.equal(formatAmount(huge, bytesIec, false), '16.0 EiB');
  assert.equal(formatAmount(huge, bytesIec, true), '18,446,744,073,709,551,615 B');
  assert.equal(formatAmount(huge, bitsSi, true), `${groupDigits(huge * 8n)} bit`);
});

test('exact values group digits in threes', () => {
  assert.equal(groupDigits(0n), '0');
  assert.equal(groupDigits(999n), '999');
  assert.equal(groupDigits(1000n), '1,000');
  assert.equal(groupDigits(1234567n), '1,234,567');
  assert.equal(groupDigits(1234.6), '1,235');
  assert.equal(formatAmount(1_452n, bytesIec, true), '1,452 B');
  assert.equal(formatAmount(1_452n, bitsSi, true), '11,616 bit');
});

test('rates carry /s, fractions show a tenth', () => {
  assert.equal(formatRate(0, bytesIec, false), '0 B/s');
  assert.equal(formatRate(2.5, bytesIec, false), '2.5 B/s');
  assert.equal(formatRate(512, bytesIec, false), '512 B/s');
  assert.equal(formatRate(1_200_000, bitsSi, false), '9.6 Mbit/s');
  assert.equal(formatRate(1536, bytesIec, false), '1.5 KiB/s');
  assert.equal(formatRate(1234.4, bytesIec, true), '1,234 B/s');
});

test('packets are counted with SI prefixes only', () => {
  assert.equal(formatCount(0n, false), '0');
  assert.equal(formatCount(999n, false), '999');
  assert.equal(formatCount(3_400n, false), '3.4 k');
  assert.equal(formatCount(3_412n, true), '3,412');
  assert.equal(formatPacketRate(3_400, false), '3.4 kpps');
  assert.equal(formatPacketRate(12, false), '12 pps');
  assert.equal(formatPacketRate(0.5, false), '0.5 pps');
  assert.equal(formatPacketRate(32.0004, false), '32 pps', 'tenths only under 10');
  assert.equal(formatRate(9.96, bytesIec, false), '10 B/s');
  assert.equal(formatPacketRate(3_412.2, true), '3,412 pps');
});

test('the u key cycles four unit modes, bytes IEC first', () => {
  assert.deepEqual(UNIT_MODES.map(unitModeLabel), ['bytes IEC', 'bytes SI', 'bits SI', 'bits IEC']);
});

test('durations and intervals', () => {
  assert.equal(formatDuration(0), '0:00:00');
  assert.equal(formatDuration(83.9), '0:01:23');
  assert.equal(formatDuration(36_000 + 61), '10:01:01');
  assert.equal(formatDuration(-3), '0:00:00');
  assert.equal(formatInterval(1), '1 s');
  assert.equal(formatInterval(0.25), '0.25 s');
});
