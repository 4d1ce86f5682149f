/**
 * Which sockex programs are loaded in the kernel, and who holds them: the
 * check that a run left nothing attached. bpftool here lists programs but not
 * their owners, so holders come from /proc/<pid>/fdinfo (prog_id).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { PROGRAM_NAME } from '../../src/kernel/maps/layout.js';
import { run } from './harness.js';

interface BpftoolProgram {
  id: number;
  name?: string;
}

function programs(): BpftoolProgram[] {
  return JSON.parse(run('bpftool', ['prog', 'show', '--json'])) as BpftoolProgram[];
}

/** The newest program id now: programs loaded later have larger ids. */
export function highestProgramId(): number {
  return programs().reduce((max, p) => Math.max(max, p.id), 0);
}

/** Program id -> the pids holding an fd to it. */
export function programHolders(): Map<number, Set<number>> {
  const holders = new Map<number, Set<number>>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
        const id = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
        if (id === undefined) continue;
        const set = holders.get(Number(id)) ?? new Set<number>();
        set.add(pid);
        holders.set(Number(id), set);
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return holders;
}

/**
 * sockex programs loaded after `sinceId` that are still in the kernel and
 * held by `pid` or by no process at all (pinned, or kept alive by a socket
 * that outlived its owner). Programs other sockex processes hold (other
 * tests, other users) are not ours and are left out.
 */
export function leftoverPrograms(sinceId: number, pid?: number): number[] {
  const holders = programHolders();
  return programs()
    .filter((p) => p.id > sinceId && p.name === PROGRAM_NAME)
    .filter((p) => {
      const by = holders.get(p.id);
      return by === undefined || by.size === 0 || (pid !== undefined && by.has(pid));
    })
    .map((p) => p.id);
}

/**
 * After a run: no sockex program of ours left. The kernel frees a program
 * shortly after its last reference goes (deferred work), so allow a moment.
 */
export async function assertNoProgramLeft(sinceId: number, pid?: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = leftoverPrograms(sinceId, pid);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = leftoverPrograms(sinceId, pid);
  }
  assert.deepEqual(left, [], `sockex programs left in the kernel after the run: ${left.join(', ')}`);
}
