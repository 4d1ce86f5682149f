/**
 * The descriptor budget with a fake libc: the soft limit raised to the hard
 * one, the check before attaching, and every EMFILE or ENFILE (sockex's,
 * Node's) said as a shortage with exit code 11; nothing else touched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, SockexError, SyscallError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DESCRIPTORS_PER_FILTER, DescriptorBudget, raiseDescriptorLimit, WHO_DESCRIPTORS } from '../../src/kernel/descriptors.js';
import type { Native, Rlimit } from '../../src/kernel/libbpf/index.js';

/** A libc whose RLIMIT_NOFILE is soft/hard; setrlimit calls are recorded. */
function fakeNative(soft: number, hard: number) {
  const set: Rlimit[] = [];
  const native = {
    libc: {
      getrlimit(resource: number, into: Partial<Rlimit>) {
        assert.equal(resource, 7, 'RLIMIT_NOFILE');
        Object.assign(into, { cur: soft, max: hard });
        return 0;
      },
      setrlimit(_resource: number, limit: Rlimit) {
        set.push(limit);
        return 0;
      },
    },
  } as unknown as Native;
  return { native, set };
}

test('the soft limit is raised to the hard one, and left alone when it is there already', () => {
  const low = fakeNative(1024, 524288);
  raiseDescriptorLimit(low.native);
  assert.deepEqual(low.set, [{ cur: 524288, max: 524288 }]);
  const there = fakeNative(4096, 4096);
  raiseDescriptorLimit(there.native);
  assert.deepEqual(there.set, []);
});

test('check(): refused before attaching when the filters cannot fit, with what to do; passes when they can', () => {
  const tight = new DescriptorBudget(fakeNative(16, 16).native, ['eth0', 'eth1'], false);
  assert.throws(
    () => tight.check(),
    (err: SockexError) =>
      err.exitCode === ExitCode.descriptors &&
      /^too few file descriptors \(the next open would fail with EMFILE\): 2 interfaces need about \d+ \(9 each, \d+ open already\), and this process may open 16 \(its hard limit\); raise the hard limit: ulimit -Hn 1024 as root before sockex, or LimitNOFILE=1024 in its systemd unit$/.test(err.message),
  );
  new DescriptorBudget(fakeNative(1 << 20, 1 << 20).native, ['eth0', 'eth1'], true).check();
});

test('explain(): EMFILE from a system call or from Node is a shortage (exit 11); ENFILE is the system\'s; the rest unchanged', () => {
  const budget = new DescriptorBudget(fakeNative(1024, 1024).native, ['any'], false);
  budget.check();
  const socket = budget.explain(new SyscallError('syscall', 'socket', 24, 'socket(AF_PACKET) failed (EMFILE): is AF_PACKET built into this kernel (CONFIG_PACKET)?')) as SockexError;
  assert.equal(socket.exitCode, ExitCode.descriptors);
  assert.match(socket.message, /^out of file descriptors \(EMFILE at socket\): -i any needs about \d+ \(13 for its filter, \d+ open already\), and this process may open 1024 \(its hard limit\); raise the hard limit: ulimit -Hn 2048 /);
  const node = budget.explain(Object.assign(new Error("EMFILE: too many open files, open 'tui.js'"), { code: 'EMFILE', errno: -24, syscall: 'open' })) as SockexError;
  assert.match(node.message, /^out of file descriptors \(EMFILE at open\): /);
  const system = budget.explain(new SyscallError('syscall', 'socket', 23, 'socket(AF_PACKET) failed (ENFILE)')) as SockexError;
  assert.equal(system.exitCode, ExitCode.descriptors);
  assert.equal(system.message, "the system is out of file descriptors (ENFILE at socket): close other programs' files, or raise fs.file-max (sysctl)");
  const other = new SyscallError('syscall', 'bind', 19, 'cannot bind');
  assert.equal(budget.explain(other), other);
  const plain = new Error('not a system error');
  assert.equal(budget.explain(plain), plain);
});

test('the README\'s troubleshooting and docs/attribution.md name the measured counts (test/e2e/descriptors.test.ts finds them)', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const readme = readFileSync(`${root}README.md`, 'utf8').replace(/\s+/g, ' ');
  const d = DESCRIPTORS_PER_FILTER;
  assert.ok(
    readme.includes(
      `each named interface takes ${d.protocol} (${d.breakdown} with \`--by\`, ${d.owner} with \`--by process\`, \`user\` or \`cgroup\`, whose socket hooks take ${WHO_DESCRIPTORS.held} more once; ` +
        `\`-i any\` ${d.any} in all, ${d.anyBreakdown} with \`--by\`, ${d.anyOwner} with an owner)`,
    ),
  );
  const attribution = readFileSync(`${root}docs/attribution.md`, 'utf8').replace(/\s+/g, ' ');
  assert.ok(attribution.includes(`The hooks hold ${WHO_DESCRIPTORS.held} file descriptors once per run`));
  assert.ok(attribution.includes(`${WHO_DESCRIPTORS.peak - WHO_DESCRIPTORS.held} more while the seed runs), and each filter of theirs ${d.owner} (\`-i any\`: ${d.anyOwner})`));
});

test('check() with --by process: the owner filters\' count each and the socket hooks\' once; -i any its own', () => {
  const message = (interfaces: string[]): string => {
    try {
      new DescriptorBudget(fakeNative(16, 16).native, interfaces, true, true).check();
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };
  const [, needed, open] = /need about (\d+) \(15 each, 15 for the socket hooks, (\d+) open already\)/.exec(message(['eth0', 'eth1'])) ?? [];
  assert.equal(Number(needed), Number(open) + 2 * 15 + 15);
  assert.match(message(['any']), /-i any needs about \d+ \(19 for its filter, 15 for the socket hooks, \d+ open already\)/);
});
