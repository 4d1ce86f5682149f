/**
 * The breakdown's pure parts: address text, service names, the kernel key
 * layout, folding, rates, JSON, and the options.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { helpText, parseBy, parseCli, parseMaxEntries, type CliSystem } from '../../src/cli.js';
import { manPage } from '../../src/cli/man-page.js';
import { SockexError } from '../../src/errors.js';
import { BY_KEY_OWNER, BY_KEY_SIZE, BY_LAYOUT, BY_OWNER_KEY_SIZE, byKeyIfindex, byKeySize, byObjectName, decodeByKey } from '../../src/kernel/maps/breakdown-layout.js';
import { addressSortKey, addressText } from '../../src/model/addresses.js';
import { BreakdownSampler, sampleWithBreakdown, withBreakdown } from '../../src/model/breakdown-sampler.js';
import { Sampler, type Clock } from '../../src/model/sampler.js';
import { CounterReads, counterRead } from '../../src/model/counter-read.js';
import { counterId, type Reading } from '../../src/model/counters.js';
import { PartsTotals, type BreakdownCounter, type BreakdownReading } from '../../src/model/breakdown.js';
import { ServiceNames, parseServicesFile } from '../../src/model/services.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { isOwnerKind } from '../../src/model/owners.js';
import { renderJson } from '../../src/render/json.js';
import { breakdownSection } from '../../src/render/tui/breakdown-rows.js';
import { actionForKey, applyAction, initialState, viewsFor, withSnapshot, type DashboardState } from '../../src/render/tui/dashboard-state.js';
import { buildScreen, lineText } from '../../src/render/tui/view-model.js';
import { Btf } from './btf.js';

/** A machine whose default route is on eth0. */
const routed: CliSystem = { defaultRouteInterface: () => 'eth0', interfaceNames: () => ['lo', 'eth0'] };

const header = readFileSync(new URL('../../../bpf/sockex.h', import.meta.url), 'utf8');

test('IPv4 addresses are dotted quads', () => {
  assert.equal(addressText(Uint8Array.from([192, 0, 2, 1])), '192.0.2.1');
  assert.equal(addressText(Uint8Array.from([0, 0, 0, 0])), '0.0.0.0');
});

const v6 = (groups: number[]): Uint8Array => {
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => [bytes[2 * i], bytes[2 * i + 1]] = [g >> 8, g & 0xff]);
  return bytes;
};

test('IPv6 addresses are compressed as RFC 5952 says', () => {
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0, 0, 1])), '::1');
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(addressText(v6([0xfd00, 0, 0, 0, 0, 0, 0, 2])), 'fd00::2');
  assert.equal(addressText(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])), 'fe80::');
  // A single zero group is not compressed; the longest run is; on a tie, the first.
  assert.equal(addressText(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), '2001:db8:0:1:1:1:1:1');
  assert.equal(addressText(v6([1, 0, 0, 2, 0, 0, 0, 3])), '1:0:0:2::3');
  assert.equal(addressText(v6([1, 0, 0, 2, 3, 0, 0, 4])), '1::2:3:0:0:4');
  assert.equal(addressText(v6([0x2001, 0xdb8, 0xabcd, 0x12, 0xffff, 0xffff, 0xffff, 0xffff])), '2001:db8:abcd:12:ffff:ffff:ffff:ffff');
  assert.throws(() => addressText(new Uint8Array(5)), RangeError);
});

test('IPv4-mapped IPv6 addresses end in a dotted quad (RFC 5952 section 5, as inet_ntop), and sort by it', () => {
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])), '::ffff:1.2.3.4');
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])), '::ffff:192.0.2.1');
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0xffff, 0, 0])), '::ffff:0.0.0.0');
  // Only that prefix: these stay hex.
  assert.equal(addressText(v6([0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304])), '::fffe:102:304');
  assert.equal(addressText(v6([0, 0, 0, 0, 1, 0xffff, 0x0102, 0x0304])), '::1:ffff:102:304');
  assert.equal(addressText(v6([0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304])), '64:ff9b::102:304');
  const sorted = ['::ffff:10.0.0.2', '::ffff:9.0.0.1', '::fffe:1:1', '::1', '::ffff:10.0.0.10'].sort((a, b) => (addressSortKey(a) < addressSortKey(b) ? -1 : 1));
  assert.deepEqual(sorted, ['::1', '::fffe:1:1', '::ffff:9.0.0.1', '::ffff:10.0.0.2', '::ffff:10.0.0.10']);
});

test('IPv6 text agrees with the WHATWG URL parser on random addresses with zero runs', () => {
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const groups = Array.from({ length: 8 }, () => (random() % 3 === 0 ? random() & 0xffff : 0));
    const text = addressText(v6(groups));
    assert.equal(`[${text}]`, new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname, groups.join(','));
  }
});

test('addresses sort by their numbers, IPv4 first', () => {
  const sorted = ['10.0.0.10', 'fd00::2', '10.0.0.2', '::1', '9.255.255.255', 'fd00::1:0'].sort((a, b) => (addressSortKey(a) < addressSortKey(b) ? -1 : 1));
  assert.deepEqual(sorted, ['9.255.255.255', '10.0.0.2', '10.0.0.10', '::1', 'fd00::2', 'fd00::1:0']);
});

test('/etc/services: name by transport and port, first entry wins, comments and junk ignored', () => {
  const names = parseServicesFile(['# comment', 'domain\t\t53/tcp\t\t# DNS', 'domain 53/udp', 'https 443/tcp', 'alias-later 443/tcp', 'bad 99999/tcp', 'junk', 'x 12/ddp', ''].join('\n'));
  assert.equal(names.get('tcp/53'), 'domain');
  assert.equal(names.get('udp/53'), 'domain');
  assert.equal(names.get('tcp/443'), 'https');
  assert.equal(names.has('tcp/99999'), false);
  assert.equal(names.size, 4);
});

test('service names: TCP, UDP (and UDP-Lite on UDP ports), SCTP; nothing for other protocols or a missing file', () => {
  let loads = 0;
  const services = new ServiceNames(() => {
    loads += 1;
    return 'domain 53/udp\nhttps 443/tcp\nsctp-thing 9/sctp\n';
  });
  assert.equal(services.name(17, 53), 'domain');
  assert.equal(services.name(136, 53), 'domain');
  assert.equal(services.name(6, 443), 'https');
  assert.equal(services.name(132, 9), 'sctp-thing');
  assert.equal(services.name(6, 53), undefined);
  assert.equal(services.name(1, 53), undefined);
  assert.equal(loads, 1, 'the file is read once');
  const missing = new ServiceNames(() => {
    throw new Error('ENOENT');
  });
  assert.equal(missing.name(6, 443), undefined);
});

test('the breakdown filters\' key and table are what breakdown-layout.ts reads (their BTF)', () => {
  const splits = [[], ['port'], ['host'], ['port', 'host']] as const;
  const kinds = [...splits.slice(1), ...(['process', 'user', 'cgroup'] as const).flatMap((owner) => splits.map((split) => [...split, owner]))];
  assert.equal(kinds.length, 15);
  const common = [['host', 0, 16], ['port', 16, 2], ['protocol', 18, 1], ['direction', 19, 1], ['family', 20, 1], ['flags', 21, 1], ['pad', 22, 2], ['ifindex', 24, 4], ['pad2', 28, 4]];
  for (const [name, by] of kinds.flatMap((by) => [[byObjectName(by), by], [byObjectName(by, true), by]] as const)) {
    const btf = new Btf(name);
    // The owner only in the who builds: every frame's key is hashed and compared whole.
    const owner = by.some(isOwnerKind);
    assert.equal(byKeySize(by), owner ? BY_OWNER_KEY_SIZE : BY_KEY_SIZE, name);
    assert.deepEqual(btf.struct('sockex_by_key'), {
      size: byKeySize(by),
      fields: owner ? [...common, ['owner', BY_KEY_OWNER, 32]] : common,
    }, name);
    assert.deepEqual(btf.map('by_counters'), { maxEntries: BY_LAYOUT.SOCKEX_BY_DEFAULT_MAX, key: 'sockex_by_key', value: 'sockex_counter' }, name);
    // The full table's frames go to the protocol table: there is no overflow map of the breakdown's own.
    assert.throws(() => btf.map('by_overflow'), /by_overflow/, name);
  }
  assert.deepEqual([BY_KEY_SIZE % 8, BY_OWNER_KEY_SIZE % 8], [0, 0], 'multiples of 8: no tail padding for the hash to read');
  assert.equal(BY_KEY_OWNER, BY_KEY_SIZE, 'the owner after the rest of the key');
  // The flags are #defines, which BTF does not carry.
  for (const name of ['SOCKEX_BY_PORT_KNOWN', 'SOCKEX_BY_HOST_KNOWN', 'SOCKEX_BY_OWNER_SOCKET', 'SOCKEX_BY_OWNER_KERNEL', 'SOCKEX_BY_OWNER_FRAGMENT'] as const) {
    assert.equal(Number(new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1]), BY_LAYOUT[name], name);
  }
});

function byKey(k: { host?: number[]; port?: number; protocol: number; direction: number; family: number; flags: number; ifindex?: number }): Buffer {
  const b = Buffer.alloc(BY_KEY_SIZE + 3);
  // At an offset, as in a batch of keys.
  Buffer.from(k.host ?? []).copy(b, 3);
  b.writeUInt16LE(k.port ?? 0, 3 + 16);
  b.writeUInt8(k.protocol, 3 + 18);
  b.writeUInt8(k.direction, 3 + 19);
  b.writeUInt8(k.family, 3 + 20);
  b.writeUInt8(k.flags, 3 + 21);
  b.writeUInt32LE(k.ifindex ?? 0, 3 + 24);
  return b;
}

test('breakdown keys decode to port and/or host, with none for what the filter could not read', () => {
  const udp = byKey({ host: [10, 0, 0, 2], port: 443, protocol: 17, direction: 1, family: 0, flags: 3 });
  assert.deepEqual(decodeByKey(udp, 3, ['port', 'host']), { direction: 'rx', family: 'ipv4', protocol: 17, port: 443, host: '10.0.0.2' });
  assert.deepEqual(decodeByKey(udp, 3, ['port']), { direction: 'rx', family: 'ipv4', protocol: 17, port: 443 });
  assert.deepEqual(decodeByKey(udp, 3, ['host']), { direction: 'rx', family: 'ipv4', protocol: 17, host: '10.0.0.2' });
  const fragment = byKey({ protocol: 6, direction: 0, family: 1, flags: 0 });
  assert.deepEqual(decodeByKey(fragment, 3, ['port', 'host']), { direction: 'tx', family: 'ipv6', protocol: 6, port: 'none', host: 'none' });
  const icmp6 = byKey({ host: [0xfd, 0, ...new Array<number>(13).fill(0), 2], protocol: 58, direction: 0, family: 1, flags: 2, ifindex: 70000 });
  assert.deepEqual(decodeByKey(icmp6, 3, ['port', 'host']), { direction: 'tx', family: 'ipv6', protocol: 58, host: 'fd00::2' });
  assert.deepEqual([byKeyIfindex(icmp6, 3), byKeyIfindex(udp, 3)], [70000, 0]);
});

test('the breakdown objects: one per key, for named interfaces and for -i any', () => {
  const names = [['port'], ['host'], ['port', 'host']].flatMap((by) => [false, true].map((any) => byObjectName(by as ('port' | 'host')[], any)));
  assert.deepEqual(names, [
    'sockex-by-port.bpf.o', 'sockex-any-by-port.bpf.o',
    'sockex-by-host.bpf.o', 'sockex-any-by-host.bpf.o',
    'sockex-by-host-port.bpf.o', 'sockex-any-by-host-port.bpf.o',
  ]);
});

const reading = (r: Partial<BreakdownReading> & Pick<BreakdownReading, 'bytes' | 'packets'>): BreakdownReading => ({
  interface: 'lo',
  ifindex: 1,
  direction: 'tx',
  family: 'ipv4',
  protocol: 17,
  ...r,
});

test('the breakdown sampler names, orders and rates counters over the interval', () => {
  const sampler = new BreakdownSampler(['port'], new ServiceNames(() => 'domain 53/udp\n'));
  const first = sampler.sample([reading({ port: 'other', bytes: 5n, packets: 1n }), reading({ port: 5353, bytes: 100n, packets: 2n }), reading({ port: 53, bytes: 60n, packets: 1n }), reading({ port: 'none', bytes: 7n, packets: 1n })], 0);
  assert.deepEqual(first.by, ['port']);
  assert.deepEqual(first.counters.map((c) => c.port), [53, 5353, 'none', 'other']);
  assert.equal(first.counters[0]?.service, 'domain');
  assert.equal(first.counters[0]?.name, 'UDP');
  assert.equal('service' in (first.counters[1] ?? {}), false, 'no service for an unnamed port');
  assert.ok(first.counters.every((c) => c.bytesPerSecond === 0));
  const second = sampler.sample([reading({ port: 53, bytes: 260n, packets: 3n })], 2);
  assert.equal(second.counters[0]?.bytesPerSecond, 100);
  assert.equal(second.counters[0]?.packetsPerSecond, 1);
  assert.ok(Object.isFrozen(second.counters) && Object.isFrozen(second.counters[0]));
});

test('sampleWithBreakdown: each snapshot carries the breakdown of its read, with rates over the same interval', () => {
  let now = 0;
  const clock: Clock = { monotonic: () => now, wall: () => now };
  const sampler = sampleWithBreakdown(new Sampler(['lo'], clock), ['port']);
  const udp: Reading = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, bytes: 100n, packets: 1n };
  const first = sampler.sample(counterRead([udp], [reading({ port: 53, bytes: 100n, packets: 1n })]));
  assert.equal(first.breakdown?.counters[0]?.bytes, 100n);
  now += 2000;
  const second = sampler.sample(counterRead([], [reading({ port: 53, bytes: 300n, packets: 1n })]));
  assert.equal(second.interval, 2);
  assert.equal(second.breakdown?.counters[0]?.bytesPerSecond, 100);
  assert.ok(Object.isFrozen(second));
});

function snapshotWith(counters: readonly BreakdownCounter[]): Snapshot {
  const base: Snapshot = { time: Date.UTC(2026, 0, 1), elapsed: 1, interval: 1, sequence: 1, interfaces: ['lo'], counters: [] };
  return withBreakdown(base, { by: ['port', 'host'], counters });
}

const bc = (c: Partial<BreakdownCounter> & Pick<BreakdownCounter, 'bytes'>): BreakdownCounter => ({
  ...reading({ packets: 1n, ...c }),
  name: 'UDP',
  bytesPerSecond: 0,
  packetsPerSecond: 0,
  ...c,
});

test('JSON: the breakdown beside the counters, port as a number with its service, none/other as words, exact big counts, rates beside them', () => {
  const big = 2n ** 64n - 1n;
  const out = renderJson(
    snapshotWith([
      bc({ port: 53, service: 'domain', host: 'fd00::2', family: 'ipv6', bytes: big }),
      bc({ port: 'other', host: 'other', bytes: 3n, direction: 'rx', bytesPerSecond: 1.5, packetsPerSecond: 0.5 }),
      bc({ protocol: 1, name: 'ICMP', host: '10.0.0.2', bytes: 98n }),
    ]),
  );
  assert.equal(
    out,
    '{"time":"2026-01-01T00:00:00.000Z","elapsed":1,"interval":1,"counters":[],"breakdown":{"by":["port","host"],"counters":[' +
      `{"interface":"lo","ifindex":1,"direction":"tx","family":"ipv6","protocol":17,"name":"UDP","port":53,"service":"domain","host":"fd00::2","bytes":${big},"packets":1,"bytesPerSecond":0,"packetsPerSecond":0},` +
      '{"interface":"lo","ifindex":1,"direction":"rx","family":"ipv4","protocol":17,"name":"UDP","port":"other","host":"other","bytes":3,"packets":1,"bytesPerSecond":1.5,"packetsPerSecond":0.5},' +
      '{"interface":"lo","ifindex":1,"direction":"tx","family":"ipv4","protocol":1,"name":"ICMP","host":"10.0.0.2","bytes":98,"packets":1,"bytesPerSecond":0,"packetsPerSecond":0}]}}\n',
  );
  const plain = renderJson({ ...snapshotWith([]), breakdown: undefined });
  assert.equal(plain.includes('breakdown'), false, 'no breakdown key without --by');
});

test('--by and --max-entries: parsed, combined, and refused where they make no sense', async () => {
  assert.deepEqual(parseBy(undefined), []);
  assert.deepEqual(parseBy(['protocol']), []);
  assert.deepEqual(parseBy(['host', 'port']), ['port', 'host']);
  assert.deepEqual(parseBy(['port,host']), ['port', 'host']);
  assert.deepEqual(parseBy(['Port', 'port']), ['port']);
  assert.throws(() => parseBy(['flow']), (err: unknown) => err instanceof SockexError && err.code === 'usage' && /protocol, port, host, process, user or cgroup/.test(err.message));
  assert.equal(parseMaxEntries('8'), 8);
  for (const bad of ['0', '-1', '1.5', 'lots', String(2 ** 20 + 1)]) assert.throws(() => parseMaxEntries(bad), /--max-entries must be a whole number from 1 to 1048576/);
  const o = await parseCli(['--by', 'port', '--by', 'host', '--max-entries', '100'], routed);
  assert.deepEqual([o?.by, o?.maxEntries, o?.interfaces], [['port', 'host'], 100, ['eth0']]);
  const d = await parseCli([], routed);
  assert.deepEqual([d?.by, d?.maxEntries], [[], 4096]);
  // One value per --by: the bare word after it is still an interface.
  const bare = await parseCli(['--by', 'port', 'wlan0', '--by=host'], routed);
  assert.deepEqual([bare?.by, bare?.interfaces], [['port', 'host'], ['wlan0']]);
  await assert.rejects(parseCli(['--max-entries', '10'], routed), /--max-entries sizes the --by table: add --by port or --by host \(see sockex --help\)$/);
  const any = await parseCli(['--by', 'port,host', '-i', 'any', '--max-entries', '64'], routed);
  assert.deepEqual([any?.by, any?.interfaces, any?.maxEntries], [['port', 'host'], ['any'], 64]);
  await assert.rejects(parseCli(['--by'], routed), /--by needs a value, e.g. --by port \(see sockex --help\)$/);
  await assert.rejects(parseCli(['--by', 'port', '--max-entries'], routed), /--max-entries needs a value, e.g. --max-entries 16384/);
  await assert.rejects(parseCli(['--by', 'port', '--max-entries', '8', '--max-entries', '9'], routed), /--max-entries was given 2 times \(8, 9\): give it once/);
  await assert.rejects(parseCli(['--byy', 'port'], routed), /unknown option --byy; did you mean --by\?/);
});

test('--help and the man page describe --by and --max-entries from the same table', async () => {
  const help = await helpText();
  assert.match(help, /--by +split IP counters by port .*the conversation view; or\s+by the local socket's owner: process .*\[string\] \[default: protocol\]/s);
  assert.match(help, /--max-entries +keys the kernel keeps for --by .*\[number\] \[default: 4096\]/s);
  assert.match(help, /^ {2}sockex eth0 --by port,host +# /m);
  const page = manPage();
  assert.match(page, /^\\fB\\-\\-by\\fR \\fIport\|host\|process\|user\|cgroup\\fR\nsplit IP counters by port .*\(default: protocol\)\.$/m);
  assert.match(page, /^\\fB\\-\\-max\\-entries\\fR \\fIkeys\\fR\n.*\(default: 4096\)\.$/m);
  assert.match(page, /^with \\-\\-by: protocols and each view \\-\\-by collected, in turn \(rows idle for 10 s fold into other\)$/m);
});

function dashboardWith(counters: BreakdownCounter[], by: ('port' | 'host')[] = ['port']): DashboardState {
  const base: Snapshot = { time: 0, elapsed: 1, interval: 1, sequence: 2, interfaces: ['lo'], counters: [] };
  return withSnapshot(initialState(), withBreakdown(base, { by, counters }), { interval: 1, demo: undefined });
}

test('the view key cycles protocols and the views --by collected, and nothing without --by', () => {
  assert.deepEqual(viewsFor(['port', 'host']), ['protocols', 'ports', 'hosts', 'conversations']);
  assert.deepEqual(viewsFor(['host']), ['protocols', 'hosts']);
  assert.equal(actionForKey('b'), 'view');
  const state = dashboardWith([], ['port']);
  assert.equal(applyAction(state, 'view').view, 'ports');
  assert.equal(applyAction(applyAction(state, 'view'), 'view').view, 'protocols');
  assert.equal(applyAction(initialState(), 'view').view, 'protocols');
});

test('a breakdown table: the top rows that fit, then other (rows left over plus the kernel\'s other), adding up to the total', () => {
  const ports = [53, 80, 443, 8080, 5353].map((port, i) => bc({ port, bytes: BigInt(100 * (i + 1)), ...(port === 53 ? { service: 'domain' } : {}) }));
  const state = dashboardWith([...ports, bc({ port: 'other', bytes: 7n }), bc({ port: 'none', bytes: 3n }), bc({ protocol: 1, bytes: 1000n })]);
  const frame = state.shown;
  assert.ok(frame);
  const section = breakdownSection(frame, 'ports', undefined, 'bytes', 4);
  assert.deepEqual(section.rows.map((r) => [r.name, r.tx.bytes]), [['UDP 5353', 500n], ['UDP 8080', 400n], ['UDP 443', 300n], ['other', 200n + 100n + 3n + 7n]]);
  assert.equal(section.total.tx.bytes, 1500n + 10n, 'ICMP has no port: not in the ports view');
  assert.equal(section.rows.reduce((sum, r) => sum + r.tx.bytes, 0n), section.total.tx.bytes);
  const all = breakdownSection(frame, 'ports', undefined, 'name', 20);
  assert.deepEqual(all.rows.map((r) => r.name), ['UDP 53 domain', 'UDP 80', 'UDP 443', 'UDP 5353', 'UDP 8080', 'UDP none', 'other']);
  // Reset: what was counted until then is subtracted, the kernel keeps counting.
  const reset = applyAction(state, 'reset');
  assert.equal(breakdownSection(frame, 'ports', reset.baseline, 'bytes', 20).total.tx.bytes, 0n);
});

test('the dashboard draws the breakdown view at 80x24 with its own column title and a history', () => {
  const state = applyAction(dashboardWith([bc({ port: 53, service: 'domain', bytes: 142n, packets: 1n }), bc({ port: 53, direction: 'rx', bytes: 142n, packets: 1n })]), 'view');
  const screen = buildScreen(state, { width: 80, height: 24, unicode: false }).map(lineText);
  assert.equal(screen.length, 24);
  assert.ok(screen.every((line) => line.length === 80));
  assert.match(screen.find((l) => l.startsWith('PORT')) ?? '', /^PORT\s+DIR\s+TOTAL\s+PACKETS\s+RATE\s+PKT\/S\s+HISTORY\s*$/);
  assert.match(screen.find((l) => l.startsWith('UDP 53 domain')) ?? '', /^UDP 53 domain\s+tx\s+142 B\s+1\s/);
  assert.match(screen[23] ?? '', /b view/);
});

/** Whether parts add up, to the byte and the packet, to every split protocol counter (and to nothing else). */
function partsAddUp(readings: readonly Reading[], parts: readonly BreakdownReading[]): boolean {
  const sums = new Map<string, bigint[]>();
  for (const p of parts) {
    const sum = sums.get(counterId(p)) ?? [0n, 0n];
    sums.set(counterId(p), [sum[0]! + p.bytes, sum[1]! + p.packets]);
  }
  return [...sums].every(([id, [bytes, packets]]) => {
    const total = readings.find((r) => counterId(r) === id);
    return total !== undefined && total.bytes === bytes && total.packets === packets;
  });
}

test('PartsTotals: a split protocol\'s counter is the sum of its parts, its own counter in the kernel being its "other"', () => {
  const lo = { interface: 'lo', ifindex: 1 } as const;
  const udp = { ...lo, direction: 'tx', family: 'ipv4', protocol: 17 } as const;
  const part = (port: number, bytes: bigint, packets: bigint): BreakdownReading => ({ ...udp, port, bytes, packets });
  const icmp: Reading = { ...lo, direction: 'tx', family: 'ipv4', protocol: 1, bytes: 98n, packets: 1n };
  const arp: Reading = { ...lo, direction: 'rx', family: 'other', protocol: 0x0806, bytes: 42n, packets: 1n };
  // The kernel's UDP counter: 2 frames whose key found the table full.
  const full: Reading = { ...udp, bytes: 60n, packets: 2n };
  const parts = [part(53, 100n, 1n), part(443, 200n, 2n)];
  const port = new PartsTotals(['port']).addUp([full, icmp, arp], parts);
  assert.deepEqual(port.readings, [icmp, arp, { ...udp, bytes: 360n, packets: 5n }], 'ICMP and ARP are not split by port: as read');
  assert.deepEqual(port.breakdown, [...parts, { ...udp, port: 'other', bytes: 60n, packets: 2n }]);
  assert.ok(partsAddUp(port.readings, port.breakdown));
  // A protocol with parts only (the table never full) has a counter all the same.
  assert.deepEqual(new PartsTotals(['port']).addUp([], parts).readings, [{ ...udp, bytes: 300n, packets: 3n }]);
  // By host every IP protocol is split: ICMP's own counter is its host "other"; non-IP never is.
  const host = new PartsTotals(['host']).addUp([icmp, arp], []);
  assert.deepEqual(host.readings, [arp, icmp]);
  assert.deepEqual(host.breakdown, [{ ...icmp, host: 'other' }]);
  // -i any: per interface and per link of an ifindex (a generation), never summed across them.
  const gone = { ...udp, interface: 'veth0', ifindex: 5 } as const;
  const again = { ...gone, interface: 'veth1', generation: 2 } as const;
  const any = new PartsTotals(['port']).addUp([], [{ ...gone, port: 53, bytes: 10n, packets: 1n }, { ...again, port: 53, bytes: 20n, packets: 2n }, part(53, 1n, 1n)]);
  assert.deepEqual(any.readings, [{ ...gone, bytes: 10n, packets: 1n }, { ...again, bytes: 20n, packets: 2n }, { ...udp, bytes: 1n, packets: 1n }]);
  assert.ok(partsAddUp(any.readings, any.breakdown));
  // The check itself: a part more, or a total less, does not add up.
  assert.equal(partsAddUp(port.readings, [...port.breakdown, part(53, 1n, 1n)]), false);
  assert.equal(partsAddUp(port.readings.slice(0, 2), port.breakdown), false);
});

test('PartsTotals hands on what did not move: the same total while its parts sum the same, one "other" part per reading', () => {
  const udp = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17 } as const;
  const tcp = { ...udp, protocol: 6 } as const;
  const frozen = <T extends object>(o: T): T => Object.freeze(o);
  const full = frozen<Reading>({ ...udp, bytes: 60n, packets: 2n });
  const dns = frozen<BreakdownReading>({ ...udp, port: 53, bytes: 100n, packets: 1n });
  const web = frozen<BreakdownReading>({ ...tcp, port: 443, bytes: 500n, packets: 5n });
  const totals = new PartsTotals(['port']);
  const first = totals.addUp([full], [dns, web]);
  // Only TCP moved: UDP's total and UDP's "other" part are the objects they were.
  const second = totals.addUp([full], [dns, frozen<BreakdownReading>({ ...web, bytes: 600n, packets: 6n })]);
  assert.equal(second.readings[0], first.readings[0], 'UDP: the same total');
  assert.deepEqual(second.readings[1], { ...tcp, bytes: 600n, packets: 6n });
  assert.notEqual(second.readings[1], first.readings[1]);
  assert.equal(second.breakdown[2], first.breakdown[2], 'the same "other" part of the same reading');
  assert.ok(Object.isFrozen(second.readings[1]) && Object.isFrozen(second.breakdown[2]));
  // A sum is made anew each read: a part gone takes its bytes with it, and a total no longer read is forgotten.
  assert.deepEqual(totals.addUp([], [dns]).readings, [{ ...udp, bytes: 100n, packets: 1n }]);
  assert.deepEqual(totals.addUp([], [web]).readings, [{ ...tcp, bytes: 500n, packets: 5n }]);
});

test('a quiet breakdown costs no walk: the same read and the same breakdown while the maps hand on the same arrays', () => {
  const lo = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17 } as const;
  const readings: readonly Reading[] = Object.freeze([{ ...lo, bytes: 30n, packets: 1n }]);
  const parts: readonly BreakdownReading[] = Object.freeze([{ ...lo, port: 53, bytes: 100n, packets: 1n }]);
  const reads = new CounterReads();
  let combined = 0;
  const totals = new PartsTotals(['port']);
  const combine = (r: readonly Reading[], p: readonly BreakdownReading[]) => (combined++, totals.addUp(r, p));
  const first = reads.ofParts(readings, parts, combine);
  assert.equal(reads.ofParts(readings, parts, combine), first, 'the same arrays: the same read');
  assert.equal(combined, 1);
  const moved = reads.ofParts(readings, Object.freeze([{ ...parts[0]!, bytes: 200n, packets: 2n }]), combine);
  assert.notEqual(moved.generation, first.generation);
  assert.deepEqual(moved.readings.at(-1), { ...lo, bytes: 230n, packets: 3n });
  // The sampler: a read with rates is walked again (they go to 0), then the quiet one is handed on.
  const sampler = new BreakdownSampler(['port'], new ServiceNames(() => ''));
  const b1 = sampler.sample(first.breakdown, 0);
  const b2 = sampler.sample(moved.breakdown, 1);
  assert.equal(b2.counters.find((c) => c.port === 53)?.bytesPerSecond, 100);
  const b3 = sampler.sample(moved.breakdown, 1);
  assert.notEqual(b3, b2, 'a rate to bring down to 0');
  assert.equal(b3.counters.find((c) => c.port === 53)?.bytesPerSecond, 0);
  assert.equal(sampler.sample(moved.breakdown, 1), b3, 'quiet and the same readings: the same breakdown');
  assert.notEqual(b1, b2);
});

test('BreakdownSampler keeps the counter of a key whose reading and rate of 0 stay put while another key moves', () => {
  const udp = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17 } as const;
  const dns = Object.freeze<BreakdownReading>({ ...udp, port: 53, bytes: 100n, packets: 1n });
  const ntp = (bytes: bigint) => Object.freeze<BreakdownReading>({ ...udp, port: 123, bytes, packets: bytes / 10n });
  const sampler = new BreakdownSampler(['port'], new ServiceNames(() => ''));
  const byPort = (b: { counters: readonly BreakdownCounter[] }, port: number) => b.counters.find((c) => c.port === port)!;
  const first = sampler.sample(Object.freeze([dns, ntp(10n)]), 0);
  const second = sampler.sample(Object.freeze([dns, ntp(20n)]), 1);
  assert.equal(byPort(second, 53), byPort(first, 53), 'DNS did not move, its rate was 0: the same counter');
  assert.equal(byPort(second, 123).bytesPerSecond, 10);
  // A key missing from a sample counts from 0 when it is back: its counter is made anew.
  sampler.sample(Object.freeze([ntp(20n)]), 1);
  const back = sampler.sample(Object.freeze([dns, ntp(20n)]), 1);
  assert.notEqual(byPort(back, 53), byPort(first, 53));
  assert.equal(byPort(back, 53).bytesPerSecond, 100);
});
