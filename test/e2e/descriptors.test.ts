/**
 * Running out of file descriptors: every step of an attach that can meet
 * EMFILE says so (exit code 11) instead of blaming libbpf or AF_PACKET; a
 * filter takes exactly what DESCRIPTORS_PER_FILTER says; many interfaces
 * under a hard limit too low are refused before anything is attached, with
 * how many are needed; and the soft limit is raised to the hard one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { DESCRIPTORS_PER_FILTER, WHO_DESCRIPTORS } from '../../src/kernel/descriptors.js';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertOneLineError, killOnEnd, runCli } from './cli-run.js';
import { ETH_HLEN } from './frames.js';
import { CLI, counter, NetNs, requireRoot, run, RunningSockex, TOOLS } from './harness.js';

/** count veth pairs vN/wN in the namespace, each end up. */
function vethPairs(ns: NetNs, count: number): string[] {
  const script = `for i in $(seq 0 ${count - 1}); do ip link add v$i type veth peer name w$i && ip link set v$i up && ip link set w$i up || exit 1; done`;
  ns.exec('bash', ['-c', script]);
  return Array.from({ length: count }, (_, i) => `v${i}`);
}

interface Squeezed {
  attached?: true;
  thrown?: string;
  errno?: number;
  reported?: string;
  code?: string;
}

test('an attach with 0 to N-1 descriptors left fails at each step as EMFILE (exit code 11); with N it attaches, N as documented', (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'squeeze');
  // The object file, the maps and the program, and the sockets: each step met it. The socket hooks
  // (--by process) check for their room first (open), then the filter meets it at its map copies.
  const steps = ['bpf_object__load', 'bpf_object__open_file', 'socket'];
  const kinds = [
    { kind: 'protocol', args: ['lo'], steps },
    { kind: 'breakdown', args: ['lo', 'port,host'], steps },
    { kind: 'any', args: ['any'], steps },
    { kind: 'anyBreakdown', args: ['any', 'port'], steps },
    { kind: 'owner', args: ['lo', 'process'], steps: ['open', 'fcntl', 'socket'] },
    { kind: 'anyOwner', args: ['any', 'process'], steps: ['open', 'fcntl', 'socket', 'bpf_object__load'] },
  ] as const;
  for (const { kind, args, steps: met } of kinds) {
    // With the socket hooks, theirs once beside the filter's.
    const hooks = kind === 'owner' || kind === 'anyOwner';
    const per = DESCRIPTORS_PER_FILTER[kind] + (hooks ? WHO_DESCRIPTORS.held : 0);
    const failedAt = new Set<string>();
    for (let free = 0; free <= per; free++) {
      const squeeze = ['--nofile=128:128', process.execPath, `${TOOLS}squeeze-attach.js`, String(free), ...args];
      // The socket hooks need the host's cgroup2 mount, which ip netns exec hides (it remounts /sys).
      const out = hooks ? run('nsenter', [`--net=/run/netns/${ns.name}`, 'prlimit', ...squeeze]) : ns.exec('prlimit', squeeze);
      const result = JSON.parse(out) as Squeezed;
      if (free === per) {
        assert.deepEqual(result, { attached: true }, `${kind}: ${per} descriptors are enough`);
        continue;
      }
      // A SyscallError's errno is positive, a Node error's (the hooks' check) negative.
      assert.equal(Math.abs(result.errno ?? 0), 24, `${kind} with ${free} left: ${result.thrown}`);
      assert.equal(result.code, 'out-of-descriptors', `${kind} with ${free} left: ${result.thrown}`);
      const at = /^out of file descriptors \(EMFILE at (\w+)\): /.exec(result.reported ?? '')?.[1];
      assert.ok(at, result.reported);
      failedAt.add(at);
      assert.match(result.reported ?? '', /; raise the hard limit: ulimit -Hn \d+ as root before sockex, or LimitNOFILE=\d+ in its systemd unit$/);
    }
    for (const call of met) assert.ok(failedAt.has(call), `${kind}: ${[...failedAt].join(', ')}`);
  }
});

test('40 interfaces under a hard limit of 128 (prlimit): exit 11 at once, how many are needed and what to do, nothing attached', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'emfile');
  const interfaces = vethPairs(ns, 40);
  const since = highestProgramId();
  const result = runCli([...interfaces.flatMap((name) => ['-i', name]), '--json', '--count', '1'], { ns, under: ['prlimit', '--nofile=128:128'] });
  const per = DESCRIPTORS_PER_FILTER.protocol;
  const line = assertOneLineError(
    result,
    ExitCode.descriptors,
    new RegExp(
      `^sockex: too few file descriptors \\(the next open would fail with EMFILE\\): 40 interfaces need about (\\d+) \\(${per} each, (\\d+) open already\\), ` +
        'and this process may open 128 \\(its hard limit\\); raise the hard limit: ulimit -Hn 1024 as root before sockex, or LimitNOFILE=1024 in its systemd unit$',
    ),
  );
  const [, needed, open] = /about (\d+) \(\d+ each, (\d+) open/.exec(line) ?? [];
  assert.equal(Number(needed), Number(open) + 40 * per);
  assert.equal(result.stdout, '');
  await assertNoProgramLeft(since, result.pid);
});

test('--by process under a hard limit that the filter alone would fit: exit 11 at once, the socket hooks counted, nothing attached', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'emfilewho');
  const since = highestProgramId();
  // About 20 open at the check: the filter's 15 would fit under 45, with the hooks' 15 they do not.
  const result = runCli(['-i', 'lo', '--by', 'process', '--json', '--count', '1'], { ns, under: ['prlimit', '--nofile=45:45'] });
  const per = DESCRIPTORS_PER_FILTER.owner;
  const line = assertOneLineError(
    result,
    ExitCode.descriptors,
    new RegExp(`^sockex: too few file descriptors \\(the next open would fail with EMFILE\\): 1 interface needs about (\\d+) \\(${per} each, ${WHO_DESCRIPTORS.held} for the socket hooks, (\\d+) open already\\), and this process may open 45 \\(its hard limit\\); raise the hard limit: ulimit -Hn 1024`),
  );
  const [, needed, open] = /about (\d+) \(\d+ each, \d+ for the socket hooks, (\d+) open/.exec(line) ?? [];
  assert.equal(Number(needed), Number(open) + per + WHO_DESCRIPTORS.held);
  assert.ok(Number(open) + per <= 45, `the filter alone would fit: ${line}`);
  assert.equal(result.stdout, '');
  await assertNoProgramLeft(since, result.pid);
});

test('the soft limit is raised to the hard one: 40 interfaces and lo under a soft limit of 64 (hard 1024) count exactly', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'raise');
  const interfaces = [...vethPairs(ns, 40), 'lo'];
  const args = [...interfaces.flatMap((name) => ['-i', name]), '--json', '--interval', '0.2'];
  const sockex = killOnEnd(t, new RunningSockex(ns.spawn('prlimit', ['--nofile=64:1024', process.execPath, CLI, ...args])));
  await sockex.attached();
  // 41 filters hold about 300 descriptors: the soft limit of 64 was raised, not met.
  const limits = readFileSync(`/proc/${sockex.child.pid}/limits`, 'utf8');
  assert.match(limits, /^Max open files +1024 +1024 +files/m);
  ns.tool('udp', ['4', '300,700']);
  assert.equal(await sockex.stop(), ExitCode.ok, sockex.stderr);
  const udpBytes = 2 * (ETH_HLEN + 20 + 8) + 300 + 700;
  for (const direction of ['tx', 'rx'] as const) {
    assert.deepEqual(counter(sockex.lastSample(), { interface: 'lo', direction, family: 'ipv4', protocol: 17 }), { bytes: udpBytes, packets: 2 });
  }
});
