/** Which capabilities --by process/user/cgroup ask for, read from CapEff. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingWhoCapabilities } from '../../src/kernel/who/capabilities.js';

const status = (capEff: bigint): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff.toString(16).padStart(16, '0')}\nCapBnd:\t000001ffffffffff\n`;
const bit = (n: number): bigint => 1n << BigInt(n);

test('root (every capability) and CAP_SYS_ADMIN alone need nothing more', () => {
  assert.deepEqual(missingWhoCapabilities(status(0x1ffffffffffn)), []);
  assert.deepEqual(missingWhoCapabilities(status(bit(21))), []);
});

test('CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON together suffice; each missing one is named', () => {
  assert.deepEqual(missingWhoCapabilities(status(bit(39) | bit(12) | bit(38))), []);
  assert.deepEqual(missingWhoCapabilities(status(bit(39) | bit(13))), ['CAP_NET_ADMIN', 'CAP_PERFMON']);
  assert.deepEqual(missingWhoCapabilities(status(0n)), ['CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON']);
});

test('a status without CapEff leaves the refusal to the kernel', () => {
  assert.deepEqual(missingWhoCapabilities('Name:\tnode\n'), []);
});
