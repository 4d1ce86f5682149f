/**
 * The sample line with -i any: one line summing every interface, the same
 * shape as for one interface.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CounterSnapshot, Snapshot } from '../../src/model/snapshot.js';
import { renderLines } from '../../src/render/lines.js';

function c(iface: string, direction: 'tx' | 'rx', protocol: number, bytes: bigint): CounterSnapshot {
  return { interface: iface, ifindex: 1, direction, family: 'ipv4', protocol, name: '', bytes, packets: 1n, bytesPerSecond: 0, packetsPerSecond: 0 };
}

test('-i any: the line sums the transmitted bytes of every interface', () => {
  const snapshot: Snapshot = {
    time: 0,
    elapsed: 1,
    interval: 1,
    sequence: 1,
    interfaces: ['any'],
    counters: [c('eth0', 'tx', 6, 1000n), c('lo', 'tx', 6, 60n), c('lo', 'rx', 6, 60n), c('lo', 'tx', 17, 726n), c('va', 'tx', 1, 294n), c('va', 'rx', 1, 294n)],
  };
  assert.equal(renderLines(snapshot), 'TCP 1060 UDP 726 ICMP 294 bytes\n');
});

test('several interfaces: each line starts with its name as it is, a control character written \\xNN', () => {
  const snapshot: Snapshot = {
    time: 0,
    elapsed: 1,
    interval: 1,
    sequence: 1,
    interfaces: ['hx\u00e9', 'hx\x07'],
    counters: [c('hx\u00e9', 'tx', 6, 10n), c('hx\x07', 'tx', 17, 20n)],
  };
  assert.equal(renderLines(snapshot), 'hx\u00e9: TCP 10 UDP 0 ICMP 0 bytes\nhx\\x07: TCP 0 UDP 20 ICMP 0 bytes\n');
});
