/**
 * The dashboard as a "what is happening right now" view: the rate it sorts
 * by (averaged over a short window), breakdown rows with a history that
 * fold away once idle, conversations in aligned columns, one sparkline
 * scale per screen. Snapshots come from the real samplers on a fake clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleWithBreakdown } from '../../src/model/breakdown-sampler.js';
import { counterRead } from '../../src/model/counter-read.js';
import type { BreakdownBy, BreakdownReading } from '../../src/model/breakdown.js';
import type { Reading } from '../../src/model/counters.js';
import { Sampler } from '../../src/model/sampler.js';
import { breakdownSection } from '../../src/render/tui/breakdown-rows.js';
import { applyAction, initialState, withSnapshot, type DashboardState } from '../../src/render/tui/dashboard-state.js';
import { sections } from '../../src/render/tui/protocol-rows.js';
import { buildScreen, lineText } from '../../src/render/tui/view-model.js';
import { fakeClock } from './fake-clock.js';

/** A dashboard fed by the real samplers, one step a second unless told otherwise. */
function dashboard(interfaces: string[], by?: BreakdownBy[]): { step(readings: Reading[], parts?: BreakdownReading[], seconds?: number): DashboardState } {
  const clock = fakeClock();
  const protocols = new Sampler(interfaces, clock);
  const sampler = by ? sampleWithBreakdown(protocols, by) : protocols;
  let state = initialState();
  let first = true;
  return {
    step(readings, breakdown = [], seconds = 1) {
      if (!first) clock.advance(seconds * 1000);
      first = false;
      state = withSnapshot(state, sampler.sample(counterRead(readings, breakdown)), { interval: 1, demo: undefined });
      return state;
    },
  };
}

/** One cumulative reading on lo (or `iface`), IPv4. */
function on(protocol: number, bytes: number, packets: number, iface = 'lo', direction: 'tx' | 'rx' = 'tx'): Reading {
  return { interface: iface, ifindex: iface === 'lo' ? 1 : 2, direction, family: 'ipv4', protocol, bytes: BigInt(bytes), packets: BigInt(packets) };
}

/** One cumulative breakdown reading on lo, UDP unless told otherwise. */
function part(key: { port?: number; host?: string; protocol?: number; family?: 'ipv4' | 'ipv6' }, bytes: number, packets: number): BreakdownReading {
  return { interface: 'lo', ifindex: 1, direction: 'tx', family: key.family ?? 'ipv4', protocol: key.protocol ?? 17, ...key, bytes: BigInt(bytes), packets: BigInt(packets) } as BreakdownReading;
}

function screen(state: DashboardState, width = 80, height = 24): string[] {
  return buildScreen(state, { width, height, unicode: true }).map(lineText);
}

const order = (state: DashboardState): string[] => sections(state.shown!, state.baseline, state.sort)[0]!.rows.map((r) => r.name);

test('the default sort is the rate over the last 3 s: a one-second burst does not jump over a steady flow, a lasting one does', () => {
  const run = dashboard(['lo']);
  let state = run.step([]);
  assert.equal(state.sort, 'rate');
  // TCP 1000 B/s steadily; in the fourth second a 2500-byte UDP burst (its last interval: 2500 B/s).
  for (let t = 1; t <= 3; t++) run.step([on(6, 1000 * t, t)]);
  state = run.step([on(6, 4000, 4), on(17, 2500, 1)]);
  assert.deepEqual(order(state).slice(0, 2), ['TCP', 'UDP'], '2500 B over 3 s is 833 B/s, below 1000');
  const udp = sections(state.shown!, undefined, 'rate')[0]!.rows.find((r) => r.name === 'UDP')!;
  assert.ok(Math.abs(udp.tx.bytesPerSecond - 2500 / 3) < 1e-9, 'the RATE column shows the same average');
  assert.match(screen(state).find((l) => l.startsWith('UDP ')) ?? '', /^UDP\s+tx\s+2\.4 KiB\s+1\s+833 B\/s\s+0\.3 pps/);
  assert.match(screen(state).at(-1) ?? '', /s sort:rate 3 s avg/, 'the footer says the sort and its window');

  // Three quiet seconds on, the burst has left the window.
  for (let t = 5; t <= 7; t++) state = run.step([on(6, 1000 * t, t), on(17, 2500, 1)]);
  assert.deepEqual(order(state).slice(0, 2), ['TCP', 'UDP']);
  assert.equal(sections(state.shown!, undefined, 'rate')[0]!.rows.find((r) => r.name === 'UDP')!.tx.bytesPerSecond, 0);
  // UDP at 1500 B/s from now on: 500, then 1000 (a tie with TCP at two digits, which TCP's
  // 9000 bytes since start win over UDP's 5500), then 1500: UDP leads.
  const udpFlow = [['TCP', 'UDP'], ['TCP', 'UDP'], ['UDP', 'TCP']];
  for (const [i, expected] of udpFlow.entries()) {
    const t = 8 + i;
    state = run.step([on(6, 1000 * t, t), on(17, 2500 + 1500 * (i + 1), 2 + i)]);
    assert.deepEqual(order(state).slice(0, 2), expected, `second ${t}`);
  }
});

test('rates that read the same at two digits keep their order by bytes since start, sample after sample', () => {
  const run = dashboard(['lo']);
  run.step([]);
  // UDP carried more bytes before sockex started; now UDP runs at 1010 B/s and TCP at 1000 or
  // 1040 in turn: its average is always a little above UDP's, and at two digits both read 1000.
  run.step([on(17, 50_000, 50)]);
  let tcp = 0;
  for (let t = 1; t <= 6; t++) {
    tcp += t % 2 === 0 ? 1040 : 1000;
    const state = run.step([on(6, tcp, t), on(17, 50_000 + 1010 * t, 50 + t)]);
    assert.deepEqual(order(state).slice(0, 2), ['UDP', 'TCP'], `second ${t}: no swap within the shown precision`);
  }
});

test('breakdown views have a history sparkline like the protocol view, on the same scale as their total', () => {
  const run = dashboard(['lo'], ['port']);
  let state = run.step([]);
  for (let t = 1; t <= 4; t++) {
    const bytes = 100 * (2 ** t - 1);
    state = run.step([on(17, bytes, t)], [part({ port: 53 }, bytes, t)]);
  }
  state = applyAction(state, 'view');
  const lines = screen(state, 100, 24);
  assert.match(lines.find((l) => l.startsWith('PORT')) ?? '', /^PORT\s+DIR\s+TOTAL\s+PACKETS\s+RATE\s+PKT\/S\s+HISTORY \(max 800 B\/s\)/);
  // 100, 200, 400, 800 bytes a second.
  assert.match(lines.find((l) => l.startsWith('UDP 53 ')) ?? '', /pps {2}▁▂▄█ *$/);
  assert.match(lines.find((l) => l.startsWith('Total ')) ?? '', /pps {2}▁▂▄█ *$/);
});

test('a port scan: one-packet rows leave after 10 s idle, summed into other, and the table still adds up', () => {
  const run = dashboard(['lo'], ['port']);
  run.step([]);
  const scan = Array.from({ length: 18 }, (_, i) => part({ port: 41000 + i }, 44, 1));
  const steady = (t: number): BreakdownReading => part({ port: 47000 }, 1000 * t, t);
  const udpTotal = (t: number): Reading => on(17, 18 * 44 + 1000 * t, 18 + t);
  let state = run.step([udpTotal(1)], [...scan, steady(1)]);
  const tallRows = (s: DashboardState): string[] => screen(applyAction(s, 'view'), 200, 50).filter((l) => /^\S.*\s+tx\s/.test(l)).map((l) => l.split(/\s{2,}/)[0] ?? '');
  assert.equal(tallRows(state).filter((name) => name.startsWith('UDP 410')).length, 18, 'every scanned port while it is recent');
  // Nine seconds on the scan rows are still there; at ten they are idle and go.
  for (let t = 2; t <= 10; t++) state = run.step([udpTotal(t)], [...scan, steady(t)]);
  assert.equal(tallRows(state).filter((name) => name.startsWith('UDP 410')).length, 18);
  state = run.step([udpTotal(11)], [...scan, steady(11)]);
  assert.deepEqual(tallRows(state), ['UDP 47000', 'other', 'Total']);

  const section = breakdownSection(state.shown!, 'ports', undefined, state.sort, 20);
  const other = section.rows.find((r) => r.name === 'other')!;
  assert.deepEqual([other.tx.bytes, other.tx.packets], [18n * 44n, 18n]);
  // Other's history is the scan's one second, exactly: the total's less the steady port's.
  assert.deepEqual(other.tx.history, [18 * 44, ...new Array<number>(10).fill(0)]);
  assert.deepEqual(section.total.tx.history, [18 * 44 + 1000, ...new Array<number>(10).fill(1000)]);
  assert.equal(section.rows.reduce((sum, r) => sum + r.tx.bytes, 0n), section.total.tx.bytes);
  assert.equal(section.total.tx.bytes, BigInt(18 * 44 + 11_000));
  const title = screen(applyAction(state, 'view')).find((l) => l.startsWith('━━ ports on lo'));
  assert.match(title ?? '', /^━━ ports on lo \(18 idle 10 s in other\) ━+$/);
  // A row that moves again is back at once.
  state = run.step([on(17, 18 * 44 + 12_000 + 44, 31)], [...scan.slice(1), part({ port: 41000 }, 88, 2), steady(12)]);
  assert.ok(tallRows(state).includes('UDP 41000'), tallRows(state).join(', '));
});

test('conversations: the HOST and PORT columns line up between IPv4 and IPv6 rows', () => {
  const run = dashboard(['lo'], ['port', 'host']);
  run.step([]);
  const parts = [
    part({ host: '10.0.0.2', port: 53 }, 300, 3),
    part({ host: 'fd00::1234:5678:9abc', port: 443, protocol: 6, family: 'ipv6' }, 200, 2),
    part({ host: '::1', port: 8080, protocol: 6, family: 'ipv6' }, 100, 1),
  ];
  let state = run.step([on(17, 300, 3), on(6, 300, 3)], parts);
  state = applyAction(applyAction(applyAction(state, 'view'), 'view'), 'view');
  assert.equal(state.view, 'conversations');
  const lines = screen(state, 100, 24);
  const heading = lines.find((l) => l.startsWith('HOST')) ?? '';
  const column = heading.indexOf('PORT');
  assert.equal(column, 'fd00::1234:5678:9abc'.length + 2, heading);
  for (const [host, port] of [['10.0.0.2', 'UDP 53'], ['fd00::1234:5678:9abc', 'TCP 443'], ['::1', 'TCP 8080']] as const) {
    const line = lines.find((l) => l.startsWith(`${host} `)) ?? '';
    assert.equal(line.indexOf(port), column, `${host}'s port under PORT:\n${lines.join('\n')}`);
  }
  assert.equal(new Set(lines.filter((l) => /\s(tx|rx)\s/.test(l)).map((l) => l.search(/\s(tx|rx)\s/))).size, 1, 'DIR lines up too');
});

test('one sparkline scale per screen: an idle lo with one 32 KiB burst draws low bars beside 1.2 MiB/s on eth0', () => {
  const run = dashboard(['lo', 'eth0']);
  let state = run.step([]);
  const mib = 1.2 * 1024 * 1024;
  for (let t = 1; t <= 4; t++) state = run.step([on(17, t >= 2 ? 32 * 1024 : 0, t >= 2 ? 1 : 0), on(6, Math.round(mib * t), 100 * t, 'eth0')].filter((r) => r.bytes > 0n));
  const lines = screen(state, 120, 40);
  const totalOf = (table: string): string => {
    const start = lines.findIndex((l) => l.startsWith(`━━ ${table} `));
    return lines.slice(start).find((l) => l.startsWith('Total ')) ?? '';
  };
  assert.match(totalOf('eth0'), /pps {2}████ *$/);
  assert.match(totalOf('lo'), /pps {2} ▁ {2} *$/, 'the burst is one low bar, not a full one');
  assert.match(lines.find((l) => l.startsWith('PROTOCOL')) ?? '', /HISTORY \(max 1\.2 MiB\/s\)/, 'the scale: the busiest line, the all-interfaces tx total');
  assert.match(screen(state, 80, 40).find((l) => l.startsWith('PROTOCOL')) ?? '', /PKT\/S {2}max 1\.2 MiB\/s *$/, 'a narrow column: the scale alone');
});

test('the key list and the footer say the sort, its window, the idle rule and the one scale', () => {
  const run = dashboard(['lo'], ['port']);
  const state = run.step([]);
  const help = screen(applyAction(state, 'help'), 120, 40).map((l) => l.trimEnd());
  assert.ok(help.includes('  s         sort by rate (the default, averaged over 3 s), bytes, packets or name'), help.join('\n'));
  assert.ok(help.some((l) => l.endsWith('(rows idle for 10 s fold into other)')), help.join('\n'));
  assert.ok(help.includes('RATE and PKT/S: averaged over the last 3 s.'), help.join('\n'));
  assert.ok(help.some((l) => l.startsWith("HISTORY: bytes per second, one scale for the whole screen (the busiest line's peak, in the heading).")), help.join('\n'));
  // At 80 columns with a view key, the window goes, then every setting but the sort's (the view's is in the table's title).
  assert.equal(screen(state).at(-1)?.trimEnd(), 'q quit  p pause  r reset  s sort:rate  u units  e exact  b view  ? help');
  assert.equal(screen(state, 100).at(-1)?.trimEnd(), 'q quit  p pause  r reset  s sort:rate 3 s avg  u units:bytes IEC  e exact  b view:protocols  ? help');
  assert.match(screen(applyAction(state, 'sort'), 100).at(-1) ?? '', /s sort:bytes {2}u/);
});

test('the scale is what the sparklines show: a peak that scrolled out of the column no longer sets it', () => {
  const run = dashboard(['lo']);
  run.step([]);
  // A 100 KiB burst, then a minute and more of 1 KiB/s: at 100 columns the history shows the newest 23 seconds or so.
  let state = run.step([on(17, 100 * 1024, 1)]);
  for (let t = 1; t <= 70; t++) state = run.step([on(17, 100 * 1024 + 1024 * t, 1 + t)]);
  const lines = screen(state, 100, 24);
  assert.match(lines.find((l) => l.startsWith('PROTOCOL')) ?? '', /HISTORY \(max 1\.0 KiB\/s\)/);
  assert.match(lines.find((l) => l.startsWith('UDP ')) ?? '', /pps {2}█+ *$/);
});
