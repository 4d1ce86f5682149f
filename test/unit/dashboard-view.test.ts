import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reading } from '../../src/model/counters.js';
import { counterRead } from '../../src/model/counter-read.js';
import { Sampler, type Clock } from '../../src/model/sampler.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { RunStatus } from '../../src/model/run-status.js';
import {
  actionForKey,
  applyAction,
  initialState,
  withSnapshot,
  type Action,
  type DashboardState,
} from '../../src/render/tui/dashboard-state.js';
import { wrapWords } from '../../src/render/tui/fit-text.js';
import { peakOf, sparkline } from '../../src/render/tui/sparkline.js';
import { colourSupport, escapeTags, toTagged, unicodeSupport } from '../../src/render/tui/tones.js';
import { sections, type ProtocolRow, type Section } from '../../src/render/tui/protocol-rows.js';
import { buildScreen, lineText } from '../../src/render/tui/view-model.js';

/** A sampler on a hand-driven clock: each reading is one interval later. */
function fakeRun(interfaces: string[], intervalSeconds = 1): { next(readings: Reading[]): Snapshot } {
  let now = 0;
  const clock: Clock = { monotonic: () => now, wall: () => 1_700_000_000_000 + now };
  const sampler = new Sampler(interfaces, clock);
  let first = true;
  return {
    next(readings) {
      if (!first) now += intervalSeconds * 1000;
      first = false;
      return sampler.sample(counterRead(readings));
    },
  };
}

function reading(direction: 'tx' | 'rx', family: Reading['family'], protocol: number, bytes: number, packets: number, iface = 'lo'): Reading {
  return { interface: iface, ifindex: iface === 'lo' ? 1 : 2, direction, family, protocol, bytes: BigInt(bytes), packets: BigInt(packets) };
}

/** UDP and TCP seen on lo both ways (as every frame on lo is), plus ARP received only. */
function loTraffic(scale: number): Reading[] {
  return [
    reading('tx', 'ipv4', 17, 726 * scale, 3 * scale),
    reading('rx', 'ipv4', 17, 726 * scale, 3 * scale),
    reading('tx', 'ipv6', 17, 100 * scale, 1 * scale),
    reading('rx', 'ipv6', 17, 100 * scale, 1 * scale),
    reading('tx', 'ipv4', 6, 5000 * scale, 2 * scale),
    reading('rx', 'ipv4', 6, 5000 * scale, 2 * scale),
    reading('rx', 'other', 0x0806, 42 * scale, 1 * scale),
  ];
}

const status: RunStatus = { interval: 1, demo: undefined };

function feed(state: DashboardState, ...snapshots: Snapshot[]): DashboardState {
  return snapshots.reduce((s, snap) => withSnapshot(s, snap, status), state);
}

function press(state: DashboardState, ...actions: Action[]): DashboardState {
  return actions.reduce(applyAction, state);
}

function only(list: Section[]): Section {
  assert.equal(list.length, 1);
  return list[0] as Section;
}

function row(section: Section, name: string): ProtocolRow {
  const found = section.rows.find((r) => r.name === name);
  assert.ok(found, `no ${name} row in ${section.rows.map((r) => r.name).join(', ')}`);
  return found;
}

function screen(state: DashboardState, width = 80, height = 24, unicode = true): string[] {
  const lines = buildScreen(state, { width, height, unicode }).map(lineText);
  assert.equal(lines.length, height, 'the screen is exactly as tall as the terminal');
  for (const line of lines) assert.equal(line.length, width, `every line is exactly as wide as the terminal: "${line}"`);
  return lines;
}

test('TCP, UDP and ICMP are always rows, even at zero; IPv4 and IPv6 of one protocol share a row', () => {
  const run = fakeRun(['lo']);
  const empty = only(sections(feed(initialState(), run.next([])).shown!, undefined, 'name'));
  assert.deepEqual(empty.rows.map((r) => r.name), ['ICMP', 'TCP', 'UDP']);
  assert.equal(empty.total.tx.bytes, 0n);

  const state = feed(initialState(), run.next(loTraffic(1)));
  const table = only(sections(state.shown!, undefined, 'name'));
  assert.deepEqual(table.rows.map((r) => r.name), ['ARP', 'ICMP', 'TCP', 'UDP']);
  assert.equal(row(table, 'UDP').tx.bytes, 826n);
  assert.equal(row(table, 'UDP').tx.packets, 4n);
  assert.equal(row(table, 'UDP').rx.bytes, 826n);
  assert.equal(row(table, 'ARP').tx.packets, 0n);
  assert.equal(row(table, 'ARP').rx.bytes, 42n);
  assert.equal(table.total.tx.bytes, 726n + 100n + 5000n);
  assert.equal(table.total.rx.bytes, 726n + 100n + 5000n + 42n);
  assert.equal(table.total.rx.packets, 3n + 1n + 2n + 1n);
});

test('sorting: by rate (the default), bytes and packets largest first, by name A-Z; rate ties by bytes, other ties by name', () => {
  const run = fakeRun(['lo']);
  const first = run.next(loTraffic(1));
  // In the second interval only UDP moves: it has the highest rate, TCP still the most bytes.
  const second = run.next(loTraffic(1).map((r) => (r.protocol === 17 ? { ...r, bytes: r.bytes * 10n, packets: r.packets * 10n } : r)));
  const state = feed(initialState(), first, second);
  const names = (sort: DashboardState['sort']): string[] => only(sections(state.shown!, undefined, sort)).rows.map((r) => r.name);
  assert.deepEqual(names('bytes'), ['UDP', 'TCP', 'ARP', 'ICMP']); // 8260 > 5000 > 42 > 0
  assert.deepEqual(names('rate'), ['UDP', 'TCP', 'ARP', 'ICMP']); // only UDP moved; the rest tie at 0 and go by bytes
  assert.deepEqual(names('packets'), ['UDP', 'TCP', 'ARP', 'ICMP']);
  assert.deepEqual(names('name'), ['ARP', 'ICMP', 'TCP', 'UDP']);

  // The s key cycles rate -> bytes -> packets -> name -> rate.
  let s = state;
  const seen = [s.sort];
  for (let i = 0; i < 4; i++) {
    s = applyAction(s, 'sort');
    seen.push(s.sort);
  }
  assert.deepEqual(seen, ['rate', 'bytes', 'packets', 'name', 'rate']);
});

test('reset: the view subtracts the counts on screen at that moment; rates are untouched', () => {
  const run = fakeRun(['lo']);
  let state = feed(initialState(), run.next(loTraffic(1)));
  state = press(state, 'reset');
  let table = only(sections(state.shown!, state.baseline, 'bytes'));
  assert.equal(table.total.tx.bytes, 0n);
  assert.equal(row(table, 'UDP').rx.packets, 0n);

  state = feed(state, run.next(loTraffic(3)));
  table = only(sections(state.shown!, state.baseline, 'bytes'));
  assert.equal(row(table, 'UDP').tx.bytes, 826n * 2n);
  assert.equal(row(table, 'UDP').tx.packets, 8n);
  assert.equal(row(table, 'UDP').tx.bytesPerSecond, 826 * 2); // over the 1 s interval
  assert.equal(table.total.rx.bytes, 5868n * 2n);

  const lines = screen(press(state, 'exact'));
  assert.ok(lines[0]?.includes('reset 0:00:01 ago'), lines[0]);
});

test('a counter that restarts below its baseline counts from zero instead of going negative', () => {
  const run = fakeRun(['lo']);
  let state = press(feed(initialState(), run.next(loTraffic(5))), 'reset');
  state = feed(state, run.next(loTraffic(1)));
  const table = only(sections(state.shown!, state.baseline, 'bytes'));
  assert.equal(row(table, 'UDP').tx.bytes, 826n);
});

test('pause freezes the tables while snapshots and history keep coming; resume jumps to the newest', () => {
  const run = fakeRun(['lo']);
  let state = feed(initialState(), run.next(loTraffic(1)));
  state = press(state, 'pause');
  state = feed(state, run.next(loTraffic(2)), run.next(loTraffic(3)));
  assert.equal(state.shown?.snapshot.sequence, 1);
  assert.equal(state.latest?.snapshot.sequence, 3);
  assert.equal(state.latest?.history.length, 2, 'the model keeps recording while paused');
  const paused = screen(press(state, 'exact'));
  assert.match(paused[0] ?? '', /elapsed 0:00:02 .* PAUSED  at 0:00:00, counting goes on/);
  assert.match(paused.find((l) => l.startsWith('UDP')) ?? '', /^UDP\s+tx\s+826 B\s+4\s/);

  // Reset while paused zeroes what is on screen (the frozen frame).
  const resetPaused = press(state, 'reset');
  assert.equal(resetPaused.baseline?.counts.size, 7);
  state = press(state, 'pause');
  assert.equal(state.shown?.snapshot.sequence, 3);
  const live = screen(press(state, 'exact'));
  assert.match(live[0] ?? '', / LIVE /);
  assert.match(live.find((l) => l.startsWith('UDP')) ?? '', /^UDP\s+tx\s+2,478 B\s+12\s/);
});

test('exact toggles between rounded and every digit; u switches bytes/bits and IEC/SI', () => {
  const run = fakeRun(['lo']);
  const big = [reading('tx', 'ipv4', 17, 1_258_291, 3_400), reading('rx', 'ipv4', 17, 1_258_291, 3_400)];
  const state = feed(initialState(), run.next(big));
  const udpLine = (s: DashboardState): string => screen(s).find((l) => l.startsWith('UDP')) ?? '';
  assert.match(udpLine(state), /^UDP\s+tx\s+1\.2 MiB\s+3\.4 k\s+0 B\/s\s+0 pps/);
  assert.match(udpLine(press(state, 'exact')), /^UDP\s+tx\s+1,258,291 B\s+3,400\s/);
  assert.match(udpLine(press(state, 'exact', 'exact')), /1\.2 MiB/);
  assert.match(udpLine(press(state, 'units')), /^UDP\s+tx\s+1\.3 MB\s/);
  assert.match(udpLine(press(state, 'units', 'units')), /^UDP\s+tx\s+10\.1 Mbit\s/);
  assert.match(udpLine(press(state, 'units', 'units', 'units')), /^UDP\s+tx\s+9\.6 Mibit\s/);
  assert.match(udpLine(press(state, 'units', 'units', 'exact')), /^UDP\s+tx\s+10,066,328 bit\s/);
  assert.match(udpLine(press(state, 'units', 'units', 'units', 'units')), /1\.2 MiB/);
  const footer = screen(press(state, 'units', 'units', 'exact')).at(-1) ?? '';
  assert.match(footer, /s sort:rate 3 s avg {2}u units:bits SI {2}e exact/);
  assert.match(screen(press(state, 'units', 'units', 'exact', 'sort'), 100, 24).at(-1) ?? '', /s sort:bytes {2}u units:bits SI {2}e exact:on/);
});

test('sparklines: newest on the right, zero blank, scaled to the peak given (default: their own)', () => {
  assert.equal(sparkline([], 5, true), '     ');
  assert.equal(sparkline([0, 0, 0], 3, true), '   ');
  assert.equal(sparkline([1, 2, 4, 8], 4, true), '▁▂▄█');
  assert.equal(sparkline([0, 1, 1000], 3, true), ' ▁█', 'any traffic is at least the lowest bar');
  assert.equal(sparkline([8, 4], 4, true), '█▄  ', 'starting at the left, beside the numbers, until the window fills');
  assert.equal(sparkline([9, 1, 2, 4, 8], 4, true), '▁▂▄█', 'only the visible samples set the scale');
  assert.equal(sparkline([1, 2, 4, 8], 4, false), '.:=@');
  assert.equal(sparkline([1, 2], 0, true), '');
  assert.equal(sparkline([200, 200], 2, true, 200 * 1024), '▁▁', 'against a table peak of 200 KiB/s, 200 B/s is the lowest bar');
  assert.equal(peakOf([[1, 5], [3, Infinity]]), 5);
});

test('one sparkline scale per table: a quiet row draws low bars beside a busy one', () => {
  const run = fakeRun(['lo']);
  let state = initialState();
  for (let i = 0; i <= 3; i++) {
    state = feed(state, run.next([reading('tx', 'ipv4', 17, 200 * i, i), reading('tx', 'ipv4', 6, 204_800 * i, i)]));
  }
  const lines = screen(state);
  assert.match(lines.find((l) => l.startsWith('TCP ')) ?? '', /B\/s\s+1 pps {2}███ *$/);
  assert.match(lines.find((l) => l.startsWith('UDP ')) ?? '', /B\/s\s+1 pps {2}▁▁▁ *$/);
});

test('r starts the history afresh and keeps the row order (bytes since start; the footer says so)', () => {
  const run = fakeRun(['lo']);
  let state = press(initialState(), 'sort');
  assert.equal(state.sort, 'bytes');
  for (let i = 0; i <= 3; i++) state = feed(state, run.next(loTraffic(i)));
  const order = (s: DashboardState): string[] => only(sections(s.shown!, s.baseline, s.sort)).rows.map((r) => r.name);
  const before = order(state);
  assert.deepEqual(before, ['TCP', 'UDP', 'ARP', 'ICMP']);
  assert.match(screen(state).find((l) => l.startsWith('TCP ')) ?? '', /[▁-█]/);

  state = press(state, 'reset');
  assert.equal(state.latest?.history.length, 0, 'no history before the reset is kept');
  assert.deepEqual(order(state), before, 'every row is zero now, and none moved');
  const lines = screen(state);
  assert.doesNotMatch(lines.find((l) => l.startsWith('TCP ')) ?? '', /[▁-█]/);
  assert.match(lines.at(-1) ?? '', /s sort:bytes since start/);

  // Only traffic after the reset draws bars; a sample that is not new changes nothing.
  state = feed(state, run.next(loTraffic(4)));
  assert.equal(state.latest?.history.length, 1);
  assert.deepEqual(order(state), before);
  assert.match(screen(press(state, 'sort', 'sort')).at(-1) ?? '', /s sort:name /);
  // Sorted by rate, a reset moves no row either: every rate starts afresh, and ties go by bytes since start.
  const byRate = press(state, 'sort', 'sort', 'sort');
  assert.equal(byRate.sort, 'rate');
  assert.deepEqual(order(press(byRate, 'reset')), before);
});

test('the screen sparkline follows the row history fed by snapshots', () => {
  const run = fakeRun(['lo']);
  let state = initialState();
  for (let i = 0; i <= 4; i++) state = feed(state, run.next([reading('tx', 'ipv4', 17, 100 * 2 ** i - 100, 2 ** i - 1)]));
  // Rates per interval: 100, 200, 400, 800 bytes/s.
  const udp = screen(state).find((l) => l.startsWith('UDP')) ?? '';
  assert.ok(udp.trimEnd().endsWith('pps  ▁▂▄█'), udp);
});

test('80x24 shows header, every row of one interface, totals and the key list', () => {
  const run = fakeRun(['lo']);
  const lines = screen(feed(initialState(), run.next(loTraffic(1))));
  assert.match(lines[0] ?? '', /^sockex {2}lo {2}elapsed 0:00:00 {2}interval 1 s {3}LIVE/);
  assert.ok(lines.some((l) => /^PROTOCOL\s+DIR\s+TOTAL\s+PACKETS\s+RATE\s+PKT\/S\s+HISTORY/.test(l)));
  for (const name of ['TCP', 'UDP', 'ICMP', 'ARP', 'Total']) assert.ok(lines.some((l) => l.startsWith(`${name} `)), name);
  assert.equal(lines.filter((l) => /^\s+rx\s/.test(l)).length, 5, 'an rx line under every tx line');
  assert.match(lines.at(-1) ?? '', /^q quit {2}p pause {2}r reset {2}s sort:rate 3 s avg {2}u units {2}e exact {2}\? help/);
});

test('-i any: a table for each interface the counters name, and all of them together', () => {
  const run = fakeRun(['any']);
  const quiet = sections(feed(initialState(), run.next([])).shown!, undefined, 'bytes');
  assert.deepEqual(quiet.map((s) => s.title), ['all interfaces']);
  assert.deepEqual(quiet[0]?.rows.map((r) => r.name).sort(), ['ICMP', 'TCP', 'UDP']);
  const state = feed(initialState(), run.next([reading('tx', 'ipv4', 17, 100, 1, 'veth0'), reading('rx', 'ipv4', 17, 300, 3, 'eth1')]));
  const list = sections(state.shown!, undefined, 'bytes');
  assert.deepEqual(list.map((s) => s.title), ['eth1', 'veth0', 'all interfaces']);
  assert.equal(row(list[2] as Section, 'UDP').tx.bytes, 100n);
  assert.equal(row(list[2] as Section, 'UDP').rx.bytes, 300n);
});

test('several interfaces: a table each plus all interfaces together, folded to totals when short of room', () => {
  const run = fakeRun(['lo', 'eth0']);
  const readings = [...loTraffic(1), reading('tx', 'ipv4', 6, 1000, 1, 'eth0'), reading('rx', 'ipv4', 6, 2000, 2, 'eth0')];
  const state = feed(initialState(), run.next(readings));
  const list = sections(state.shown!, undefined, 'bytes');
  assert.deepEqual(list.map((s) => s.title), ['lo', 'eth0', 'all interfaces']);
  const all = list[2] as Section;
  assert.equal(row(all, 'TCP').tx.bytes, 6000n);
  assert.equal(row(all, 'TCP').rx.packets, 4n);
  assert.equal(all.total.rx.bytes, 5868n + 2000n);

  const tall = screen(state, 100, 50);
  assert.ok(tall.some((l) => l.startsWith('━━ eth0 ━')));
  assert.equal(tall.filter((l) => l.startsWith('TCP ')).length, 3);

  // 80x27: every protocol of both interfaces; the all-interfaces table folds to its totals.
  const small = screen(state, 80, 27);
  assert.ok(small.some((l) => l.startsWith('━━ lo ━')), small.join('\n'));
  assert.ok(small.some((l) => l.startsWith('━━ eth0 ━')));
  assert.ok(small.some((l) => l.startsWith('━━ all interfaces (totals only: every interface is above) ━')), small.join('\n'));
  assert.equal(small.filter((l) => l.startsWith('Total ')).length, 3, 'every table keeps its totals');
  assert.equal(small.filter((l) => l.startsWith('TCP ')).length, 2);
  assert.equal(small.filter((l) => l.startsWith('ARP ')).length, 1);

  // 80x24: the all-interfaces table goes before any interface loses a row...
  const shorter = screen(state, 80, 24);
  assert.ok(!shorter.some((l) => l.startsWith('━━ all interfaces')), shorter.join('\n'));
  assert.ok(shorter.some((l) => l.startsWith('━━ lo ━')), shorter.join('\n'));
  assert.ok(shorter.some((l) => l.startsWith('━━ eth0 ━')));
  assert.equal(shorter.filter((l) => /^\S+\s+tx\s/.test(l)).length, 9, 'all 4 + 3 protocols and both totals');
  // ...then the interfaces' tables keep their top rows, then their totals.
  const smaller = screen(state, 80, 16);
  assert.ok(smaller.some((l) => l.startsWith('━━ lo (top 2 of 4 protocols: make the terminal taller for all) ━')), smaller.join('\n'));
  const smallest = screen(state, 80, 9);
  assert.ok(smallest.some((l) => l.startsWith('━━ lo (totals only: make the terminal taller for every protocol) ━')), smallest.join('\n'));
  assert.equal(smallest.filter((l) => l.startsWith('Total ')).length, 2);
});

test('a long interface list shortens the header so the live/paused state stays in view', () => {
  const names = ['lo', 'enp0s31f6', 'wlp2s0', 'docker0', 'veth1234567', 'br-0123456789ab'];
  const state = feed(initialState(), fakeRun(names).next([]));
  // The names outlast the rest of the header, and LIVE/PAUSED outlasts them.
  assert.match(screen(state, 80, 24)[0] ?? '', /^lo, enp0s31f6, wlp2s0, docker0, veth1234567, br-0123456789ab {3}LIVE /);
  assert.match(screen(press(state, 'pause'), 80, 24)[0] ?? '', /^lo, enp0s31f6, wlp2s0, docker0, veth1234567, br-0123456789ab {3}PAUSED /);
  assert.match(screen(state, 40, 24)[0] ?? '', /^6 interfaces {2}elapsed 0:00:00 {3}LIVE /);
  assert.match(screen(state, 200, 24)[0] ?? '', /^sockex {2}lo, enp0s31f6, wlp2s0, docker0, veth1234567, br-0123456789ab {2}elapsed/);
});

test('smaller terminals degrade: columns then rows go, with a note; too small says so', () => {
  const run = fakeRun(['lo']);
  const state = feed(initialState(), run.next(loTraffic(1)));
  const narrow = screen(state, 50, 24);
  assert.ok(narrow.some((l) => l.startsWith('narrow: PKT/S, HISTORY hidden')), narrow.join('\n'));
  assert.ok(!narrow.some((l) => l.includes('pps')));

  const short = screen(state, 80, 12);
  assert.ok(short.some((l) => l.startsWith('━━ lo (top 3 of 4 protocols: make the terminal taller for all) ━')), short.join('\n'));
  assert.equal(short.filter((l) => /^Total\s+tx/.test(l)).length, 1, 'the totals stay');

  const tiny = screen(state, 30, 6);
  assert.match(tiny[0] ?? '', /^terminal too small: 30x6/);
});

test('the demo line says whether ping runs and how many replies came back', () => {
  const run = fakeRun(['lo']);
  const demoStatus: RunStatus = { interval: 1, demo: { running: true, transmitted: 3, received: 3 } };
  let state = withSnapshot(initialState(), run.next([]), demoStatus);
  assert.match(screen(state)[1] ?? '', /^demo: ping localhost running, 3 of 3 replies back/);
  // A later status is a new object: the frame already taken keeps what it showed.
  const finished: RunStatus = { interval: 1, demo: { running: false, transmitted: 5, received: 5 } };
  assert.match(screen(state)[1] ?? '', /3 of 3/);
  state = withSnapshot(state, run.next([]), finished);
  assert.match(screen(state)[1] ?? '', /^demo: ping localhost finished, 5 of 5 replies back; q quits/);
  // Narrow: whole pieces go, the replies last but for what ping is doing.
  assert.equal(screen(state, 50, 24)[1], 'demo: ping localhost finished, 5 of 5 replies back');
  assert.equal(screen(state, 40, 24)[1], 'ping localhost finished'.padEnd(40));
});

test('help replaces the tables until ? or Esc', () => {
  const state = feed(initialState(), fakeRun(['lo']).next([]));
  const help = screen(press(state, 'help'));
  assert.ok(help.some((l) => /^ {2}r\s+reset the displayed counters/.test(l)));
  assert.ok(!help.some((l) => l.startsWith('UDP')));
  assert.ok(screen(press(state, 'help', 'dismiss')).some((l) => l.startsWith('UDP')));
  assert.ok(screen(press(state, 'help', 'help')).some((l) => l.startsWith('UDP')));
});

test('keys map to actions as blessed names them', () => {
  assert.equal(actionForKey('q'), 'quit');
  assert.equal(actionForKey('c', true), 'quit');
  assert.equal(actionForKey('c'), undefined);
  assert.equal(actionForKey('p'), 'pause');
  assert.equal(actionForKey('r'), 'reset');
  assert.equal(actionForKey('s'), 'sort');
  assert.equal(actionForKey('u'), 'units');
  assert.equal(actionForKey('e'), 'exact');
  assert.equal(actionForKey('?'), 'help');
  assert.equal(actionForKey('escape'), 'dismiss');
  assert.equal(actionForKey('x'), undefined);
});

test('colour follows NO_COLOR and TERM=dumb; braces in names cannot inject tags', () => {
  assert.equal(colourSupport({ TERM: 'xterm-256color' }), 'colour');
  assert.equal(colourSupport({ TERM: 'xterm', NO_COLOR: '1' }), 'mono');
  assert.equal(colourSupport({ TERM: 'xterm', NO_COLOR: '' }), 'colour');
  assert.equal(colourSupport({ TERM: 'dumb' }), 'none');
  assert.equal(unicodeSupport({ LANG: 'C.UTF-8' }), true);
  assert.equal(unicodeSupport({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }), false);
  assert.equal(unicodeSupport({}), false);

  const line = [
    { text: 'if{x}', tone: 'plain' as const },
    { text: ' LIVE ', tone: 'live' as const },
    { text: '▁█', tone: 'spark' as const },
  ];
  assert.equal(escapeTags('{bold}'), '{open}bold{close}');
  assert.equal(toTagged(line, 'colour'), 'if{open}x{close}{black-fg}{green-bg} LIVE {/}{green-fg}▁█{/}');
  assert.equal(toTagged(line, 'mono'), 'if{open}x{close}{inverse} LIVE {/}▁█');
  assert.equal(toTagged(line, 'none'), 'if{x} LIVE ▁█');
});

test('without UTF-8 the rules and bars are ASCII', () => {
  const run = fakeRun(['lo']);
  const lines = screen(feed(initialState(), run.next([])), 80, 24, false);
  assert.ok(lines.some((l) => l.startsWith('-- lo ---')));
  assert.ok(lines.every((l) => /^[\x20-\x7e]*$/.test(l)));
});

/** lo with TCP, UDP, ICMP, ARP and eth0 with TCP: two interfaces, every protocol to be shown. */
function twoInterfaces(): DashboardState {
  const run = fakeRun(['lo', 'eth0']);
  const readings = [...loTraffic(1), reading('tx', 'ipv4', 6, 1000, 1, 'eth0'), reading('rx', 'ipv4', 6, 2000, 2, 'eth0')];
  return feed(initialState(), run.next(readings));
}

test('the header names the metrics address and the interfaces that are not counting', () => {
  const run = fakeRun(['lo', 'eth0']);
  const served: RunStatus = {
    interval: 1,
    demo: undefined,
    metricsUrl: 'http://127.0.0.1:9469/metrics',
    interfaceStates: new Map([['eth0', 'no-carrier']]),
  };
  const state = withSnapshot(initialState(), run.next([]), served);
  assert.match(screen(state, 100, 24)[0] ?? '', /^sockex {2}lo, eth0 {3}eth0 no carrier {3}metrics 127\.0\.0\.1:9469 {2}elapsed 0:00:00 {2}interval 1 s {3}LIVE /);
  // Narrower: elapsed and the title go first; the state of the interfaces and the address stay.
  assert.match(screen(state, 60, 24)[0] ?? '', /^lo, eth0 {3}eth0 no carrier {3}metrics 127\.0\.0\.1:9469 {3}LIVE /);
  assert.match(screen(state, 40, 24)[0] ?? '', /^lo, eth0 {3}eth0 no carrier {4}LIVE /);
  const down: RunStatus = { ...served, interfaceStates: new Map([['eth0', 'down'], ['lo', 'lost']]) };
  assert.match(screen(withSnapshot(state, run.next([]), down), 100, 24)[0] ?? '', / eth0 down, waiting for lo /);
});

test('40x8 with two interfaces: whole words only, LIVE and the names in view', () => {
  assert.deepEqual(screen(twoInterfaces(), 40, 8), [
    'lo, eth0  elapsed 0:00:00   LIVE        ',
    '1 interface hidden                      ',
    'PACKETS, PKT/S, HISTORY hidden          ',
    'PROTOCOL  DIR       TOTAL          RATE ',
    '━━ lo (totals only) ━━━━━━━━━━━━━━━━━━━━',
    'Total     tx      5.7 KiB         0 B/s ',
    '          rx      5.7 KiB         0 B/s ',
    'q quit  p pause  r reset  s sort  ? help',
  ]);
});

test('60x15 with two interfaces: the all-interfaces table goes, each interface keeps its top rows', () => {
  const lines = screen(twoInterfaces(), 60, 15);
  assert.equal(lines[0], 'sockex  lo, eth0  elapsed 0:00:00  interval 1 s   LIVE '.padEnd(60));
  assert.ok(!lines.some((l) => l.includes('all interfaces')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('━━ lo (top ')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('━━ eth0 ')), lines.join('\n'));
  assert.equal(lines.at(-1), 'q quit  p pause  r reset  s sort  u units  e exact  ? help  ');
});

test('at 200 columns the history sits beside the numbers, at most a minute wide', () => {
  const run = fakeRun(['lo']);
  let state = initialState();
  for (let i = 0; i <= 3; i++) state = feed(state, run.next([reading('tx', 'ipv4', 17, 100 * i, i)]));
  const lines = screen(state, 200, 24);
  const heading = lines.find((l) => l.startsWith('PROTOCOL')) ?? '';
  const udp = lines.find((l) => l.startsWith('UDP ')) ?? '';
  assert.equal(udp.search(/[▁-█]/), heading.indexOf('HISTORY'), udp);
  assert.ok(heading.indexOf('HISTORY') < 80, heading);
});

test('a history column 5 or 6 cells wide is headed HIST, never a cut HISTORY, idle or busy', () => {
  const run = fakeRun(['lo']);
  let busy = initialState();
  for (let i = 0; i <= 3; i++) busy = feed(busy, run.next([reading('tx', 'ipv4', 17, 100 * i, i)]));
  const idle = feed(initialState(), fakeRun(['lo']).next([]));
  for (const [name, state] of [['busy', busy], ['idle', idle]] as const) {
    for (const [width, cells] of [[67, 5], [68, 6]] as const) {
      const lines = screen(state, width, 24);
      const heading = lines.find((l) => l.startsWith('PROTOCOL')) ?? '';
      const column = heading.indexOf('PKT/S  ') + 'PKT/S  '.length;
      assert.equal(width - column, cells, `${name} at ${width}: the history column is ${cells} cells wide:\n${heading}`);
      assert.equal(heading.slice(column), 'HIST'.padEnd(cells), `${name} at ${width}:\n${heading}`);
    }
  }
});

test('-i any before any traffic: the all-interfaces table is the only one and folds like an interface table', () => {
  const state = feed(initialState(), fakeRun(['any']).next([]));
  const lines = screen(state, 40, 8);
  assert.ok(lines.some((l) => l.startsWith('━━ all interfaces (top 1 of 3) ━')), lines.join('\n'));
  assert.equal(lines.filter((l) => l.startsWith('Total ')).length, 1);
  // -i any with two interfaces seen: their tables first, the all-interfaces table folds away first.
  const run = fakeRun(['any']);
  const seen = feed(initialState(), run.next([reading('tx', 'ipv4', 17, 100, 1, 'veth0'), reading('rx', 'ipv4', 6, 300, 3, 'eth1')]));
  const small = screen(seen, 80, 24);
  for (const title of ['eth1', 'veth0']) assert.ok(small.some((l) => l.startsWith(`━━ ${title} ━`)), small.join('\n'));
  assert.equal(small.filter((l) => /^(TCP|UDP|ICMP) /.test(l)).length, 6, 'every protocol of both interfaces');
});

test('the key list wraps at words: at 40 columns no line ends inside a word', () => {
  const state = press(feed(initialState(), fakeRun(['lo']).next([])), 'help');
  const wide = screen(state, 100, 24);
  assert.ok(wide.some((l) => l.trimEnd() === '  r         reset the displayed counters and history to zero (the kernel keeps counting)'), wide.join('\n'));
  const narrow = screen(state, 40, 30);
  assert.ok(narrow.some((l) => l.trimEnd() === '  r         reset the displayed counters'), narrow.join('\n'));
  assert.ok(narrow.some((l) => l.trimEnd() === '            and history to zero (the'), narrow.join('\n'));
  assert.deepEqual(wrapWords('one two three', 7), ['one two', 'three']);
  assert.deepEqual(wrapWords('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
});

test('interface names on the dashboard as they are, a control character written \\xNN (header and table titles)', () => {
  const run = fakeRun(['hx\u00e9', 'hx\x07']);
  const lines = screen(feed(initialState(), run.next([reading('tx', 'ipv4', 17, 100, 1, 'hx\u00e9'), reading('rx', 'ipv4', 17, 100, 1, 'hx\x07')])));
  assert.ok(lines.every((line) => !/[\x00-\x1f\x7f-\x9f]/.test(line)), 'no control character reaches the terminal');
  assert.match(lines[0] ?? '', /hx\u00e9, hx\\x07/, 'the header names both');
  assert.ok(lines.some((line) => line.includes('hx\\x07') && line !== lines[0]), `a table titled hx\\x07: ${lines.join('\n')}`);
});
