/**
 * Exited processes from the real /proc: a pid that is not there is gone in
 * the initial pid namespace, and nothing is marked in another one (whose
 * /proc shows other pids than the kernel records).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { requireRoot } from './harness.js';

const MODULE = new URL('../../src/model/owner-details.js', import.meta.url).href;
// This process (alive, its own comm) and a pid past pid_max's ceiling (never there).
const SCRIPT = `
const { OwnerDetails } = await import(${JSON.stringify(MODULE)});
const { readFileSync } = await import('node:fs');
const comm = readFileSync('/proc/self/comm', 'latin1').trim();
const key = { interface: 'lo', ifindex: 1, direction: 'tx', family: 'ipv4', protocol: 17, bytes: 1n, packets: 1n };
const out = new OwnerDetails({ userNames: { name: () => undefined } }).fill([
  { ...key, process: { pid: process.pid, command: comm, uid: 0 } },
  { ...key, process: { pid: 4194305, command: comm, uid: 0 } },
]);
console.log(JSON.stringify(out.map((r) => r.process.exited ?? false)));
`;

function exitedMarks(prefix: string[]): unknown {
  const [command, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', SCRIPT];
  const run = spawnSync(command!, args, { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('exited from /proc in the initial pid namespace; nothing marked from a pid namespace of its own', (t) => {
  if (!requireRoot(t)) return;
  assert.deepEqual(exitedMarks([]), [false, true]);
  // In a pid namespace of its own, the pid that is not there is not marked either: /proc there cannot tell.
  assert.deepEqual(exitedMarks(['unshare', '--pid', '--fork', '--mount-proc']), [false, false]);
});
