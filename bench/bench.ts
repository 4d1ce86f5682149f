/**
 * npm run bench: measures, in one run, what sockex costs the machine it
 * watches, beside the floor and the alternatives, and prints Markdown tables.
 * Needs root (it loads BPF programs and creates network namespaces).
 *
 *   node dist/bench/bench.js [--quick] [--only 1,2,...] [--cli PATH] [--write FILE] [--before DIR]
 *
 * --quick   fewer and shorter runs (about a minute), for a look, not for figures
 * --only    run only these sections (1-2 filter cost and throughput, 3 user
 *           space, 4 start-up, 5 exactness, 6 growth, 7 --by process hooks)
 * --cli     benchmark another build's CLI (default: the package's bin, the
 *           bundled dist/src/bin/sockex.js; start-up also times dist/src/main.js)
 * --write   also write the results to FILE (a full run writes bench/RESULTS.md)
 * --before  another checkout's bpf/build folder (e.g. from before a change): its
 *           sockex.bpf.o and sockex-any.bpf.o are measured beside the others in
 *           section 1
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { exactness } from './exactness.js';
import { ROOT, deleteAllNamespaces } from './env.js';
import { filterCost } from './filter-cost.js';
import { whoCost } from './who-cost.js';

/** The tap's who build section 7 measures beside the egress hook (attached with the hooks, as sockex does), and --by port's beside it. */
const WHO_TAPS = {
  'sockex_count_by, --by port (for comparison)': 'byPort',
  'sockex_count_by, --by process (the tap looking owners up)': 'byProcess',
} as const;
import { growth } from './growth.js';
import { goalsTable, type Goal, type SectionResult } from './stats.js';
import { startup } from './startup.js';
import { userCost } from './user-cost.js';

interface Args {
  quick: boolean;
  only: Set<number>;
  cli: string;
  write: string | undefined;
  before: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: new Set([1, 2, 3, 4, 5, 6, 7]), cli: packageBin(), write: undefined, before: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only') args.only = new Set((argv[++i] ?? '').split(',').map(Number));
    else if (arg === '--cli') args.cli = argv[++i] ?? args.cli;
    else if (arg === '--write') args.write = argv[++i];
    else if (arg === '--before') args.before = argv[++i];
    else {
      process.stderr.write(`bench: unknown argument ${arg}; usage: bench.js [--quick] [--only 1,2,...] [--cli PATH] [--write FILE] [--before BPF_BUILD_DIR]\n`);
      process.exit(2);
    }
  }
  if (!args.quick && args.write === undefined && args.only.size === 7) args.write = `${ROOT}bench/RESULTS.md`;
  return args;
}

/** What users run: the package's bin. */
function packageBin(): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string> };
  return `${ROOT}${pkg.bin.sockex ?? 'dist/src/main.js'}`;
}

/** A path inside the worktree relative to it, any other in full. */
function shortPath(path: string): string {
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

function machine(): string {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} CPUs (nproc), ${model}; kernel ${release()}; Node ${process.version}`,
    `- Load average at start: ${load} (other work on this machine adds noise; medians of alternating runs)`,
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: run as root (sudo npm run bench): it loads BPF programs and creates network namespaces\n');
    process.exit(1);
  }
  const args = parseArgs(process.argv.slice(2));
  // The yardsticks (kernel sample's design, C flood) are built only for the benchmark.
  execFileSync('make', ['-s', '-C', `${ROOT}bpf`, 'bench'], { stdio: 'inherit' });

  const q = args.quick;
  const started = Date.now();
  const parts: string[] = [`## sockex benchmark${q ? ' (--quick: indicative only)' : ''}`, '', machine(), `- CLI measured: ${shortPath(args.cli)}`];
  const goals: Goal[] = [];
  const section = async (n: number[], make: () => Promise<SectionResult>): Promise<void> => {
    if (!n.some((k) => args.only.has(k))) return;
    const result = await make();
    goals.push(...result.goals);
    parts.push('', result.text);
    process.stdout.write(`\n${result.text}\n`);
  };
  process.stdout.write(`${parts.join('\n')}\n`);

  await section([1, 2], () => filterCost({ rounds: q ? 2 : 7, seconds: q ? 1 : 2, cpu: 1, before: args.before }));
  await section([3], () => userCost({ cli: args.cli, warmupSeconds: q ? 5 : 10, windowSeconds: q ? 3 : 5, pairs: q ? 2 : 3 }));
  const unbundled = `${ROOT}dist/src/main.js`;
  const clis = [{ label: `sockex (${shortPath(args.cli)})`, path: args.cli }];
  if (args.cli !== unbundled) clis.push({ label: 'sockex (dist/src/main.js, not bundled)', path: unbundled });
  await section([4], () => startup({ clis, runs: q ? 10 : 15 }));
  await section([5], () => exactness({ cli: args.cli, datagrams: q ? 500_000 : 2_000_000 }));
  await section([6], () =>
    growth({
      samples: q ? 20 : 100,
      cli: args.cli,
      timing: q ? { warmupSeconds: 3, windowSeconds: 2, windows: 2, scrapes: 1 } : { warmupSeconds: 12, windowSeconds: 5, windows: 5, scrapes: 3 },
    }),
  );

  await section([7], () => whoCost({ rounds: q ? 2 : 5, seconds: q ? 1 : 2, cpu: 1, taps: WHO_TAPS }));

  const summary = ['### Goals (issues 6 and 11)', '', goalsTable(goals)].join('\n');
  process.stdout.write(`\n${summary}\n`);
  // The verdicts first in the file, the tables they come from after.
  parts.splice(4, 0, '', summary);
  const footer = `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.`;
  parts.push('', footer, '');
  process.stdout.write(`\n${footer}\n`);
  if (args.write) {
    writeFileSync(args.write, parts.join('\n'));
    process.stdout.write(`bench: wrote ${args.write}\n`);
  }
}

const cleanUp = (): void => {
  deleteAllNamespaces();
  process.exit(130);
};
process.on('SIGINT', cleanUp);
process.on('SIGTERM', cleanUp);

main().then(
  () => deleteAllNamespaces(),
  (err: unknown) => {
    deleteAllNamespaces();
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
