/**
 * The dashboard's owner views (--by process, user, cgroup) from made-up
 * readings through the real sampler and details step: a processes view
 * like nethogs (pid, user, command, sent and received, by rate) and a
 * cgroups view (path, or container and pod), at 80x24.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakdownBy, BreakdownReading } from '../../src/model/breakdown.js';
import { sampleWithBreakdown } from '../../src/model/breakdown-sampler.js';
import { counterRead } from '../../src/model/counter-read.js';
import { OwnerDetails } from '../../src/model/owner-details.js';
import type { CgroupValue, ProcessValue, UserValue } from '../../src/model/owners.js';
import { Sampler } from '../../src/model/sampler.js';
import { breakdownSection } from '../../src/render/tui/breakdown-rows.js';
import { applyAction, initialState, viewsFor, withSnapshot, type DashboardState } from '../../src/render/tui/dashboard-state.js';
import { buildScreen, lineText } from '../../src/render/tui/view-model.js';
import { fakeClock } from './fake-clock.js';

const CONTAINER = '0123456789ab' + 'f'.repeat(52);
const POD = '5d3f1c2a-8b7e-4f60-9a1b-2c3d4e5f6a7b';
const PATHS = new Map([
  [7n, `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER}.scope`],
  [8n, '/system.slice/nginx.service'],
  [9n, '/user.slice/user-1000.slice/user@1000.service/app.slice/a-very-long-application-name.scope'],
  // nginx restarted: a new cgroup at the same path.
  [18n, '/system.slice/nginx.service'],
]);

type Owner = { process?: ProcessValue; user?: UserValue; cgroup?: CgroupValue };
const part = (owner: Owner, direction: 'tx' | 'rx', bytes: number): BreakdownReading => ({ interface: 'eth0', ifindex: 2, direction, family: 'ipv4', protocol: 6, ...owner, bytes: BigInt(bytes), packets: BigInt(Math.ceil(bytes / 1000)) });

/** The dashboard after two samples a second apart: each owner's [tx, rx] bytes in the first, then per second more. */
function dashboard(by: readonly BreakdownBy[], owners: [Owner, number, number][]): DashboardState {
  const clock = fakeClock();
  const details = new OwnerDetails({
    userNames: { name: (uid) => (uid === 0 ? 'root' : uid === 33 ? 'www-data' : undefined) },
    cgroups: { paths: () => PATHS },
    readCommand: (pid) => (pid === 4242 ? undefined : pid === 300 ? 'curl' : pid === 1200 ? 'nginx' : 'iperf3'),
  });
  const sampler = sampleWithBreakdown(new Sampler(['eth0'], clock), by, details);
  let state = initialState();
  for (const times of [1, 2]) {
    const readings = owners.flatMap(([owner, tx, rx]) => [part(owner, 'tx', tx * times), part(owner, 'rx', rx * times)]);
    state = withSnapshot(state, sampler.sample(counterRead([], readings)), { interval: 1, demo: undefined });
    clock.advance(1000);
  }
  return state;
}

const screenOf = (state: DashboardState): string[] => buildScreen(state, { width: 80, height: 24, unicode: false }).map(lineText);

test('the view key reaches the processes, users and cgroups views --by collected', () => {
  assert.deepEqual(viewsFor(['process', 'cgroup']), ['protocols', 'processes', 'cgroups']);
  assert.deepEqual(viewsFor(['port', 'user']), ['protocols', 'ports', 'users']);
});

test('processes view: pid, user, command, sent (tx) and received (rx), busiest first, exited marked, kernel and none as rows', () => {
  const state = applyAction(
    dashboard(['process'], [
      [{ process: { pid: 300, command: 'curl', uid: 0 } }, 2_000, 90_000],
      [{ process: { pid: 1200, command: 'nginx', uid: 33 } }, 500_000, 8_000],
      [{ process: { pid: 4242, command: 'backup.sh', uid: 1000 } }, 30_000, 0],
      [{ process: 'kernel' }, 98, 0],
      [{ process: 'none' }, 0, 60],
    ]),
    'view',
  );
  assert.equal(state.view, 'processes');
  const screen = screenOf(state);
  assert.ok(screen.every((line) => line.length === 80));
  const at = (start: RegExp): number => screen.findIndex((l) => start.test(l));
  assert.match(screen[at(/^\s*PID/)] ?? '', /^ PID  USER {6}COMMAND\s+DIR\s+TOTAL\s+PACKETS\s+RATE/);
  assert.match(screen[at(/^1200 /)] ?? '', /^1200  www-data  nginx\s+tx\s+977 KiB\s+1\.0 k\s+488 KiB\/s/);
  assert.match(screen[at(/^1200 /) + 1] ?? '', /^\s+rx\s+15\.6 KiB\s+16\s+7\.8 KiB\/s/);
  // Busiest first: nginx, curl, backup.sh (gone: marked), then the kernel's and no socket's parts.
  const order = ['1200  www-data  nginx', ' 300  root      curl', '4242  1000      backup.sh (exited)', '                kernel', '                none'].map((name) => at(new RegExp(`^${name.replace(/[().]/g, '\\$&')} `)));
  assert.ok(order.every((i, n) => i > 0 && (n === 0 || i > (order[n - 1] ?? 0))), `in order: ${order.join(', ')}\n${screen.join('\n')}`);
  assert.match(screen.find((l) => l.startsWith('--')) ?? '', /^-- processes on eth0 -+$/);
});

test('users view: by name where /etc/passwd has one, else the uid; the kernel\'s part as a row', () => {
  const state = dashboard(['user'], [
    [{ user: { uid: 33 } }, 100, 0],
    [{ user: { uid: 1000 } }, 200, 0],
    [{ user: 'kernel' }, 300, 0],
  ]);
  const frame = state.shown;
  assert.ok(frame);
  assert.deepEqual(breakdownSection(frame, 'users', undefined, 'bytes', 10).rows.map((r) => [r.name, r.tx.bytes]), [['kernel', 600n], ['1000', 400n], ['www-data', 200n]]);
});

test('cgroups view: containers by id and pod, services by path (one row across a restart), long paths by their end', () => {
  const state = dashboard(['cgroup'], [
    [{ cgroup: { id: 7n } }, 10_000, 20_000],
    [{ cgroup: { id: 8n } }, 3_000, 1_000],
    [{ cgroup: { id: 18n } }, 2_000, 0],
    [{ cgroup: { id: 9n } }, 1_000, 1_000],
    [{ cgroup: { id: 10n } }, 100, 0],
  ]);
  const frame = state.shown;
  assert.ok(frame);
  const section = breakdownSection(frame, 'cgroups', undefined, 'rate', 10);
  assert.deepEqual(section.rows.map((r) => r.name), [
    'container 0123456789ab pod 5d3f1c2a',
    '/system.slice/nginx.service',
    '...ce/a-very-long-application-name.scope',
    'id 10 (gone)',
  ]);
  assert.equal(section.rows.reduce((sum, r) => sum + r.tx.bytes + r.rx.bytes, 0n), section.total.tx.bytes + section.total.rx.bytes);
  const screen = screenOf(applyAction(state, 'view'));
  assert.match(screen.find((l) => l.startsWith('CGROUP')) ?? '', /^CGROUP\s+DIR\s+TOTAL/);
  assert.match(screen.find((l) => l.startsWith('container')) ?? '', /^container 0123456789ab pod 5d3f1c2a\s+tx\s+19\.5 KiB/);
});
