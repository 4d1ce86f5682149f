/**
 * The owners of --by process/user/cgroup in user space: their identity and
 * order, the container and pod a cgroup path names, user names, exited
 * processes, and the step that adds those details to a sample's readings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breakdownId, sortBreakdown, type BreakdownReading } from '../../src/model/breakdown.js';
import { BreakdownSampler } from '../../src/model/breakdown-sampler.js';
import { containerPlace } from '../../src/model/container-ids.js';
import { OwnerDetails } from '../../src/model/owner-details.js';
import type { CgroupValue, ProcessValue, UserValue } from '../../src/model/owners.js';
import { UserNames, parsePasswd } from '../../src/model/user-names.js';

const ID = 'a'.repeat(56) + '0123abcd';
const key = { interface: 'eth0', ifindex: 2, direction: 'tx', family: 'ipv4', protocol: 17 } as const;
const reading = (owner: { process?: ProcessValue; user?: UserValue; cgroup?: CgroupValue }, bytes = 100n): BreakdownReading => ({ ...key, ...owner, bytes, packets: 1n });

test('container ids and pod UIDs from the paths the runtimes write, nothing from other paths', () => {
  const uid = '5d3f1c2a-8b7e-4f60-9a1b-2c3d4e5f6a7b';
  const cases: [string, { container?: string; podUid?: string }][] = [
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${ID}.scope`, { container: ID, podUid: uid }],
    [`/kubepods.slice/kubepods-pod${uid.replaceAll('-', '_')}.slice/crio-${ID}.scope`, { container: ID, podUid: uid }],
    [`/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${ID}.scope`, { container: ID, podUid: uid }],
    [`/kubepods/burstable/pod${uid}/${ID}`, { container: ID, podUid: uid }],
    [`/kubepods/pod${uid}`, { podUid: uid }],
    [`/system.slice/docker-${ID}.scope`, { container: ID }],
    [`/machine.slice/libpod-${ID}.scope/container`, { container: ID }],
    [`/docker/${ID}`, { container: ID }],
    [`/system.slice/crio-conmon-${ID}.scope`, {}],
    ['/system.slice/nginx.service', {}],
    [`/user.slice/pod${uid}`, {}],
    ['/', {}],
  ];
  for (const [path, want] of cases) assert.deepEqual(containerPlace(path), want, path);
});

test('/etc/passwd: the first name of a uid wins; comments and broken lines are skipped', () => {
  const names = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nnobody:x:65534:65534::/:/sbin/nologin\ntoor:x:0:0::/:/bin/sh\nbad:x:abc:1::/:\n');
  assert.deepEqual([...names], [[0, 'root'], [65534, 'nobody']]);
});

test('user names: the file read once, again on an unknown uid at most every refresh interval', () => {
  let reads = 0;
  let text = 'root:x:0:0::/:\n';
  let now = 0;
  // The default refresh interval: 30 s (docs/breakdown.md).
  const users = new UserNames({ readPasswd: () => (reads++, text), now: () => now });
  assert.equal(users.name(0), 'root');
  assert.equal(users.name(0), 'root');
  assert.equal(reads, 1);
  text += 'alice:x:1000:1000::/:\n';
  now = 10;
  assert.equal(users.name(1000), undefined, 'not read again within the refresh interval');
  assert.equal(reads, 1);
  now = 30;
  assert.equal(users.name(1000), 'alice', 'a uid not known is looked up again once the interval has passed');
  assert.equal(reads, 2);
  now = 45;
  assert.equal(users.name(1001), undefined);
  assert.equal(reads, 2, 'not again within the refresh interval');
  now = 60;
  assert.equal(users.name(1001), undefined);
  assert.equal(reads, 3);
  const unreadable = new UserNames({ readPasswd: () => { throw new Error('ENOENT'); } });
  assert.equal(unreadable.name(0), undefined);
});

test('owner identity is the kernel\'s fields, not the details user space adds; order: owners by pid/uid/path, then kernel, none, other', () => {
  const curl = { pid: 300, command: 'curl', uid: 1000 };
  assert.equal(breakdownId(reading({ process: curl })), breakdownId(reading({ process: { ...curl, user: 'alice', exited: true } })));
  assert.notEqual(breakdownId(reading({ process: curl })), breakdownId(reading({ process: { ...curl, pid: 301 } })));
  assert.notEqual(breakdownId(reading({ process: 'kernel' })), breakdownId(reading({ process: 'none' })));
  assert.equal(breakdownId(reading({ cgroup: { id: 7n } })), breakdownId(reading({ cgroup: { id: 7n, path: '/a' } })));
  const processes = [reading({ process: 'other' }), reading({ process: 'none' }), reading({ process: { ...curl, pid: 1000 } }), reading({ process: 'kernel' }), reading({ process: { ...curl, pid: 99 } })];
  assert.deepEqual(sortBreakdown(processes).map((r) => (typeof r.process === 'string' ? r.process : r.process?.pid)), [99, 1000, 'kernel', 'none', 'other']);
  const users = [reading({ user: 'kernel' }), reading({ user: { uid: 1000 } }), reading({ user: { uid: 0 } })];
  assert.deepEqual(sortBreakdown(users).map((r) => (typeof r.user === 'string' ? r.user : r.user?.uid)), [0, 1000, 'kernel']);
  const cgroups = [reading({ cgroup: 'none' }), reading({ cgroup: { id: 9n, path: '/z' } }), reading({ cgroup: { id: 10n, path: '/a' } })];
  assert.deepEqual(sortBreakdown(cgroups).map((r) => (typeof r.cgroup === 'string' ? r.cgroup : r.cgroup?.path)), ['/a', '/z', 'none']);
});

test('owner details: user names, cgroup paths with their container and pod, exited processes; one path lookup per sample', () => {
  const lookups: bigint[][] = [];
  const comms = new Map([[300, 'curl'], [301, 'bash']]);
  const details = new OwnerDetails({
    userNames: { name: (uid) => (uid === 0 ? 'root' : undefined) },
    cgroups: { paths: (ids) => (lookups.push([...ids]), new Map([[7n, `/system.slice/docker-${ID}.scope`]])) },
    readCommand: (pid) => comms.get(pid),
  });
  const input = [
    reading({ process: { pid: 300, command: 'curl', uid: 0 } }),
    reading({ process: { pid: 301, command: 'iperf3', uid: 1000 } }),
    reading({ process: { pid: 302, command: 'nc', uid: 1000 } }),
    reading({ process: 'kernel' }),
    reading({ user: { uid: 0 } }),
    reading({ user: 'none' }),
    reading({ cgroup: { id: 7n } }),
    reading({ cgroup: { id: 8n } }),
    reading({}),
  ];
  const out = details.fill(input);
  assert.deepEqual(out.map((r) => r.process ?? r.user ?? r.cgroup ?? null), [
    { pid: 300, command: 'curl', uid: 0, user: 'root' },
    { pid: 301, command: 'iperf3', uid: 1000, exited: true },
    { pid: 302, command: 'nc', uid: 1000, exited: true },
    'kernel',
    { uid: 0, user: 'root' },
    'none',
    { id: 7n, path: `/system.slice/docker-${ID}.scope`, container: ID },
    { id: 8n },
    null,
  ]);
  assert.equal(out[8], input[8], 'a reading without owners is handed back as it is');
  assert.deepEqual(lookups, [[7n, 8n]]);
  // Gone stays gone, even if a new process takes the pid with the same command.
  comms.set(302, 'nc');
  assert.equal((details.fill([input[2]!])[0]!.process as { exited?: boolean }).exited, true);
});

test('the breakdown sampler adds the details before it orders: cgroups by path', () => {
  const details = new OwnerDetails({ cgroups: { paths: () => new Map([[1n, '/z'], [2n, '/a']]) } });
  const sampler = new BreakdownSampler(['cgroup'], undefined, details);
  const out = sampler.sample([reading({ cgroup: { id: 1n } }), reading({ cgroup: { id: 2n } })], 0);
  assert.deepEqual(out.counters.map((c) => (typeof c.cgroup === 'string' ? c.cgroup : c.cgroup?.path)), ['/a', '/z']);
});

test('a reading filled again with the same details is the reading filled before; new details, or a path that moved, make a new one, and the sampler orders by them', () => {
  let path = '/z';
  const details = new OwnerDetails({ userNames: { name: () => undefined }, cgroups: { paths: () => new Map([[1n, path], [2n, '/m']]) }, readCommand: undefined });
  const one = Object.freeze(reading({ cgroup: { id: 1n } }));
  const two = Object.freeze(reading({ cgroup: { id: 2n } }));
  const first = details.fill([one, two]);
  const again = details.fill([one, two]);
  assert.equal(again[0], first[0]);
  assert.equal(again[1], first[1]);
  // Two readings of the same cgroup share one owner object.
  const more = Object.freeze({ ...reading({ cgroup: { id: 2n } }), bytes: 999n });
  assert.equal(details.fill([two, more])[1]!.cgroup, first[1]!.cgroup);
  // The cgroup moved: a new filled reading, and the sampler puts it in its new place.
  const sampler = new BreakdownSampler(['cgroup'], undefined, details);
  const paths = (b: { counters: readonly BreakdownReading[] }) => b.counters.map((c) => (typeof c.cgroup === 'string' ? c.cgroup : c.cgroup?.path));
  assert.deepEqual(paths(sampler.sample(Object.freeze([one, two]), 0)), ['/m', '/z']);
  path = '/a';
  const moved = details.fill([one, two]);
  assert.notEqual(moved[0], first[0]);
  assert.deepEqual(paths(sampler.sample(Object.freeze([one, two]), 1)), ['/a', '/m']);
});

test('exited: as the kernel marked it, or as /proc tells; never where /proc cannot tell (another pid namespace)', () => {
  const kernelSaw = reading({ process: { pid: 300, command: 'curl', uid: 0, exited: true } });
  const running = reading({ process: { pid: 301, command: 'nc', uid: 0 } });
  const exited = (details: OwnerDetails, r: BreakdownReading): boolean | undefined => (details.fill([r])[0]?.process as { exited?: boolean }).exited;
  const withProc = new OwnerDetails({ userNames: { name: () => undefined }, readCommand: () => 'curl' });
  assert.equal(exited(withProc, kernelSaw), true);
  const blind = new OwnerDetails({ userNames: { name: () => undefined }, readCommand: undefined });
  assert.equal(exited(blind, running), undefined);
  assert.equal(exited(blind, kernelSaw), true);
});
