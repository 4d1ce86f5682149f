import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CounterSnapshot, Snapshot } from '../../src/model/snapshot.js';
import { renderJson } from '../../src/render/json.js';
import { renderLines } from '../../src/render/lines.js';

function counter(partial: Partial<CounterSnapshot> & Pick<CounterSnapshot, 'family' | 'protocol'>): CounterSnapshot {
  return { interface: 'lo', ifindex: 1, direction: 'tx', name: 'X', bytes: 0n, packets: 0n, bytesPerSecond: 0, packetsPerSecond: 0, ...partial };
}

function snapshot(counters: CounterSnapshot[], interfaces = ['lo']): Snapshot {
  return { time: Date.UTC(2026, 10, 22, 4, 30, 0, 123), elapsed: 1.23456, interval: 1, sequence: 2, interfaces, counters };
}

test('the line is the kernel sample\'s, character for character', () => {
  assert.equal(renderLines(snapshot([])), 'TCP 0 UDP 0 ICMP 0 bytes\n');
  assert.equal(renderLines(snapshot([counter({ family: 'ipv4', protocol: 1, bytes: 196n })])), 'TCP 0 UDP 0 ICMP 196 bytes\n');
});

test('the line counts tx only; TCP and UDP over both IP versions; ICMP is IPv4 ICMP only', () => {
  const s = snapshot([
    counter({ family: 'ipv4', protocol: 6, bytes: 10n }),
    counter({ family: 'ipv6', protocol: 6, bytes: 5n }),
    counter({ family: 'ipv4', protocol: 17, bytes: 7n }),
    counter({ family: 'ipv6', protocol: 17, bytes: 3n }),
    counter({ family: 'ipv4', protocol: 1, bytes: 98n }),
    counter({ family: 'ipv6', protocol: 58, bytes: 118n }),
    counter({ family: 'ipv6', protocol: 1, bytes: 1000n }),
    counter({ family: 'other', protocol: 6, bytes: 1000n }),
    counter({ family: 'ipv4', protocol: 6, bytes: 1000n, direction: 'rx' }),
  ]);
  assert.equal(renderLines(s), 'TCP 15 UDP 10 ICMP 98 bytes\n');
});

test('several interfaces print one prefixed line each, never mixed', () => {
  const s = snapshot(
    [counter({ family: 'ipv4', protocol: 17, bytes: 1n, interface: 'a' }), counter({ family: 'ipv4', protocol: 17, bytes: 2n, interface: 'b' })],
    ['a', 'b'],
  );
  assert.equal(renderLines(s), 'a: TCP 0 UDP 1 ICMP 0 bytes\nb: TCP 0 UDP 2 ICMP 0 bytes\n');
});

test('lines stay exact past 2^53', () => {
  const big = 2n ** 53n + 1n;
  assert.equal(renderLines(snapshot([counter({ family: 'ipv4', protocol: 6, bytes: big })])), `TCP ${big} UDP 0 ICMP 0 bytes\n`);
});

test('JSON has the documented shape, one object per line', () => {
  const out = renderJson(snapshot([counter({ family: 'ipv6', protocol: 58, name: 'IPv6-ICMP', bytes: 236n, packets: 2n, direction: 'rx', bytesPerSecond: 118, packetsPerSecond: 1 })]));
  assert.ok(out.endsWith('\n'));
  assert.equal(out.split('\n').length, 2);
  assert.deepEqual(JSON.parse(out), {
    time: '2026-11-22T04:30:00.123Z',
    elapsed: 1.235,
    interval: 1,
    counters: [
      { interface: 'lo', ifindex: 1, direction: 'rx', family: 'ipv6', protocol: 58, name: 'IPv6-ICMP', bytes: 236, packets: 2, bytesPerSecond: 118, packetsPerSecond: 1 },
    ],
  });
});

test('JSON: the interval to the microsecond, the rates over it to a thousandth', () => {
  const s = { ...snapshot([counter({ family: 'ipv4', protocol: 17, bytes: 300n, packets: 3n, bytesPerSecond: 300 / 0.3000004, packetsPerSecond: 3 / 0.3000004 })]), interval: 0.3000004 };
  const parsed = JSON.parse(renderJson(s)) as { interval: number; counters: { bytesPerSecond: number; packetsPerSecond: number }[] };
  assert.equal(parsed.interval, 0.3);
  assert.deepEqual(parsed.counters.map((c) => [c.bytesPerSecond, c.packetsPerSecond]), [[999.999, 10]]);
});

test('JSON: "generation" after "ifindex" only for a link past the first of its ifindex', () => {
  const out = renderJson(snapshot([counter({ family: 'ipv4', protocol: 17, bytes: 70n, packets: 1n, generation: 2 })]));
  assert.match(out, /"ifindex":1,"generation":2,"direction":"tx"/);
  assert.doesNotMatch(renderJson(snapshot([counter({ family: 'ipv4', protocol: 17 })])), /generation/);
});

test('JSON writes counts past 2^53 and 2^64 as exact integers', () => {
  const big = 2n ** 64n + 7n;
  const out = renderJson(snapshot([counter({ family: 'ipv4', protocol: 6, bytes: big, packets: 2n ** 53n + 1n })]));
  assert.match(out, /"bytes":18446744073709551623,"packets":9007199254740993,/);
});

test('JSON escapes names it did not choose', () => {
  const out = renderJson(snapshot([counter({ family: 'ipv4', protocol: 6, name: 'a"b\\c', interface: 'x"y' })], ['x"y']));
  const parsed = JSON.parse(out) as { counters: Array<{ name: string; interface: string }> };
  assert.equal(parsed.counters[0]?.name, 'a"b\\c');
  assert.equal(parsed.counters[0]?.interface, 'x"y');
});
