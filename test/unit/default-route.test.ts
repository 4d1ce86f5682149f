import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRouteInterface, ipv4DefaultRoutes, ipv6DefaultRoutes } from '../../src/kernel/links/default-route.js';

const IPV4_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
const ipv4 = (...lines: string[]): string => [IPV4_HEADER, ...lines, ''].join('\n');
/** /proc/net/ipv6_route's columns: dest, dest prefix, source, source prefix, next hop, metric, refcnt, use, flags, device. */
const ZERO = '0'.repeat(32);
const ipv6Line = (dest: string, prefix: string, metric: string, flags: string, device: string): string =>
  `${dest} ${prefix} ${ZERO} 00 fd000000000000000000000000000001 ${metric} 00000001 00000000 ${flags} ${device.padStart(8)}`;

test('IPv4: the up 0.0.0.0/0 routes, by metric', () => {
  const table = ipv4(
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    'down0\t00000000\t010200C0\t0002\t0\t0\t1\t00000000\t0\t0\t0',
  );
  assert.deepEqual(ipv4DefaultRoutes(table), [
    { device: 'wlan0', metric: 600 },
    { device: 'eth0', metric: 100 },
  ]);
  assert.equal(defaultRouteInterface(table, ''), 'eth0', 'the lowest metric wins');
});

test('IPv6: ::/0 routes that are up and not reject routes (the kernel keeps an unreachable default on lo)', () => {
  const table = [
    ipv6Line('fd000000000000000000000000000000', '40', '00000100', '00000001', 'eth1'),
    ipv6Line(ZERO, '00', '00000400', '00000003', 'eth1'),
    ipv6Line(ZERO, '00', 'ffffffff', '00200200', 'lo'),
    '',
  ].join('\n');
  assert.deepEqual(ipv6DefaultRoutes(table), [{ device: 'eth1', metric: 1024 }]);
  assert.equal(defaultRouteInterface(ipv4(), table), 'eth1', 'IPv6 when there is no IPv4 default route');
});

test('IPv4 before IPv6; none at all is undefined', () => {
  const v4 = ipv4('eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0');
  const v6 = ipv6Line(ZERO, '00', '00000001', '00000003', 'eth1');
  assert.equal(defaultRouteInterface(v4, v6), 'eth0');
  assert.equal(defaultRouteInterface(ipv4(), ipv6Line(ZERO, '00', 'ffffffff', '00200200', 'lo')), undefined);
  assert.equal(defaultRouteInterface('', ''), undefined);
});
