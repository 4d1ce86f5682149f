/**
 * Fuzzing the command line with real processes: random argument vectors
 * (help and version included) run as the real CLI in a namespace. Each ends
 * with exit 0 (help, version, or a run stopped with SIGTERM once attached)
 * or one error line with a documented exit code; never a stack trace, never
 * a hang. In-process parsing says which of the two to expect.
 */
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { parseCli } from '../../src/cli.js';
import { ExitCode, SockexError } from '../../src/errors.js';
import { randomArgv, seededRandom } from '../unit/random-argv.js';
import { assertNoProgramLeft, highestProgramId } from './bpf-programs.js';
import { assertNoStackTrace } from './cli-run.js';
import { CLI, NetNs, RunningSockex, requireRoot, waitFor } from './harness.js';

const SEED = 0xf022;
const RUNS = 24;
const DOCUMENTED = new Set<number>(Object.values(ExitCode));

function holdsProgram(pid: number | undefined): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf-prog';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

async function expectedUsageError(argv: string[]): Promise<string | undefined> {
  try {
    await parseCli(argv);
    return undefined;
  } catch (err) {
    if (err instanceof SockexError) return err.message;
    throw err;
  }
}

test(`${RUNS} random command lines as real processes: no stack trace, no hang`, async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'fuzz');
  const random = seededRandom(SEED);
  const since = highestProgramId();
  let stopped = 0;
  for (let run = 0; run < RUNS; run++) {
    // Every fourth vector may ask for help or the version.
    // (A process argument cannot hold a NUL byte; the in-process fuzz covers those.)
    const argv = randomArgv(random, run % 4 === 0).map((a) => a.replaceAll('\0', ''));
    const where = `run ${run} ${JSON.stringify(argv)}`;
    const helpOrVersion = argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a));
    const usage = helpOrVersion ? undefined : await expectedUsageError(argv);
    const sockex = new RunningSockex(ns.spawn(process.execPath, [CLI, ...argv]));
    // Give a valid run time to attach, then stop it; anything else must end by itself.
    let exited = false;
    const exit = sockex.exit(30_000).then((code) => ((exited = true), code));
    // Attached: it says so, or (with --quiet) it holds a loaded program. Signal
    // handlers are installed in the same turn as the attach; allow a moment.
    const attached = (): boolean => sockex.stderr.includes('counting on') || holdsProgram(sockex.child.pid);
    // Generous: on a loaded machine a start can take seconds, and a SIGTERM before
    // the handlers are installed ends the process by the signal (exit null).
    await waitFor(() => exited || attached(), 15_000, () => '').catch(() => undefined);
    if (!exited && attached()) await new Promise((r) => setTimeout(r, 200));
    if (!exited) {
      assert.equal(usage, undefined, `${where}: still running although parseCli rejects it: ${usage}`);
      sockex.child.kill('SIGTERM');
      stopped += 1;
    }
    const code = await exit;
    assertNoStackTrace(sockex.stderr, ` (${where})`);
    assert.ok(code !== null && DOCUMENTED.has(code), `${where}: exit ${code}; stderr: ${sockex.stderr}`);
    if (usage !== undefined) {
      assert.equal(code, ExitCode.usage, `${where}: ${sockex.stderr}`);
      assert.equal(sockex.stderr, `sockex: ${usage}\n`, where);
    } else if (code !== ExitCode.ok) {
      // Valid options that name something missing here (an interface, an object file).
      const lines = sockex.stderr.split('\n').filter((l) => l !== '' && !l.includes('counting on'));
      assert.equal(lines.length, 1, `${where}: ${sockex.stderr}`);
    }
  }
  assert.ok(stopped >= 2, `only ${stopped} runs attached; the fuzz barely reached the kernel`);
  await assertNoProgramLeft(since);
});
