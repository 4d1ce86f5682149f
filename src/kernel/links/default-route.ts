/**
 * The interface a bare `sockex` counts on: the one that carries the default
 * route. /proc/net/route and /proc/net/ipv6_route describe the routes of the
 * reading process's own network namespace (unlike /sys/class/net, which
 * shows the namespace /sys was mounted in), so `ip netns exec` gets its own.
 */
import { readFileSync } from 'node:fs';

/** The route is usable (RTF_UP in include/uapi/linux/route.h). */
const RTF_UP = 0x0001;
/** An unreachable or prohibit route: IPv6 keeps such defaults on lo. */
const RTF_REJECT = 0x0200;

interface DefaultRoute {
  readonly device: string;
  readonly metric: number;
}

/**
 * The IPv4 default routes in /proc/net/route's text: destination and mask
 * 0.0.0.0, up. Columns: Iface Destination Gateway Flags RefCnt Use Metric Mask ...
 */
export function ipv4DefaultRoutes(table: string): DefaultRoute[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([device, destination, , flags, , , , mask]) =>
      device !== undefined && destination === '00000000' && mask === '00000000' && (Number.parseInt(flags ?? '0', 16) & RTF_UP) !== 0,
    )
    .map((fields) => ({ device: fields[0] ?? '', metric: Number.parseInt(fields[6] ?? '0', 10) }));
}

/**
 * The IPv6 default routes in /proc/net/ipv6_route's text: ::/0, up, not a
 * reject route. Columns (hex): destination, prefix length, source, source
 * prefix length, next hop, metric, refcount, use, flags, device.
 */
export function ipv6DefaultRoutes(table: string): DefaultRoute[] {
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([destination, prefixLength, , , , , , , flags, device]) =>
        device !== undefined &&
        /^0{32}$/.test(destination ?? '') &&
        prefixLength === '00' &&
        (Number.parseInt(flags ?? '0', 16) & (RTF_UP | RTF_REJECT)) === RTF_UP,
    )
    .map((fields) => ({ device: fields[9] ?? '', metric: Number.parseInt(fields[5] ?? '0', 16) }));
}

/** The device of the preferred (lowest metric) IPv4 default route, else IPv6's, else undefined. */
export function defaultRouteInterface(ipv4Table: string, ipv6Table: string): string | undefined {
  for (const routes of [ipv4DefaultRoutes(ipv4Table), ipv6DefaultRoutes(ipv6Table)]) {
    const best = routes.filter((r) => r.device !== '').sort((a, b) => a.metric - b.metric)[0];
    if (best) return best.device;
  }
  return undefined;
}

/** The default route's interface in this process's namespace; undefined when there is none (or no /proc). */
export function readDefaultRouteInterface(): string | undefined {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // No IPv6 (ipv6.disable=1) or no /proc: that family has no default route.
      return '';
    }
  };
  return defaultRouteInterface(read('/proc/net/route'), read('/proc/net/ipv6_route'));
}

/** The interfaces of this process's network namespace, as /proc/net/dev lists them (empty without /proc). */
export function interfaceNamesHere(): string[] {
  try {
    return readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .filter((line) => line.includes(':'))
      .map((line) => line.slice(0, line.indexOf(':')).trim());
  } catch {
    return [];
  }
}
