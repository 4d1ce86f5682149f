/**
 * Section 4: start-up, from exec to the filter attached (sockex says
 * "counting on" on stderr right after bind) and to the first sample on
 * stdout, beside a Node process that loads nothing, in alternating runs.
 * Without --count sockex shows its first sample at once; with it, one
 * interval later, so the runs here stop it with SIGTERM at its first line.
 */
import { spawn } from 'node:child_process';
import { fixed, max, median, min, table, type SectionResult } from './stats.js';

interface Timing {
  attached: number;
  firstSample: number;
  exit: number;
}

/** Milliseconds from spawn to the first stderr/stdout marker and to exit; stopAtOutput: SIGTERM at the first stdout. */
function timeRun(args: string[], stopAtOutput = false): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const timing: Timing = { attached: Number.NaN, firstSample: Number.NaN, exit: Number.NaN };
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (Number.isNaN(timing.attached) && stderr.includes('counting on')) timing.attached = performance.now() - start;
    });
    child.stdout.on('data', () => {
      if (!Number.isNaN(timing.firstSample)) return;
      timing.firstSample = performance.now() - start;
      if (stopAtOutput) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      timing.exit = performance.now() - start;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve(timing);
    });
  });
}

export async function startup(options: { clis: { label: string; path: string }[]; runs: number }): Promise<SectionResult> {
  const bare: number[] = [];
  const results = options.clis.map(() => ({ version: [] as number[], attached: [] as number[], first: [] as number[], exit: [] as number[] }));
  const count = (cli: string): Promise<Timing> => timeRun([cli, '--interface', 'lo', '--plain'], true);
  // One untimed run of each, so the page cache holds every file.
  await timeRun(['-e', '0']);
  for (const cli of options.clis) await count(cli.path);
  for (let i = 0; i < options.runs; i++) {
    bare.push((await timeRun(['-e', '0'])).exit);
    for (const [k, cli] of options.clis.entries()) {
      const r = results[k]!;
      r.version.push((await timeRun([cli.path, '--version'])).exit);
      const t = await count(cli.path);
      r.attached.push(t.attached);
      r.first.push(t.firstSample);
      r.exit.push(t.exit);
    }
  }
  const base = median(bare);
  const row = (what: string, values: number[]): string[] => [
    what,
    fixed(median(values), 1),
    `${fixed(min(values), 1)}-${fixed(max(values), 1)}`,
    `${fixed(median(values) / base, 2)}x`,
  ];
  const rows = [row('node -e 0 (exit)', bare)];
  for (const [k, cli] of options.clis.entries()) {
    const r = results[k]!;
    rows.push(
      row(`${cli.label}: --version (exit; yargs, no BPF)`, r.version),
      row(`${cli.label}: filter attached`, r.attached),
      row(`${cli.label}: first sample printed`, r.first),
      row(`${cli.label}: SIGTERM at the first sample, exit`, r.exit),
    );
  }
  const first = median(results[0]!.first);
  const goals = [
    {
      goal: 'start-up to the first sample <= 2x node -e 0',
      measured: `${fixed(first)} ms = ${fixed(first / base, 2)}x ${fixed(base)} ms`,
      met: first <= 2 * base,
    },
  ];
  const text = [
    '### 4. Start-up',
    '',
    `${options.runs} alternating runs each, spawned from Node, milliseconds from spawn. sockex runs \`--interface lo --plain\` (without --count its first sample is taken at once, as the kernel sample does, then every interval) and is sent SIGTERM at its first line. "filter attached" is when sockex says "counting on" on stderr, right after bind().`,
    '',
    table(['run', 'median ms', 'range', 'vs node -e 0'], rows),
  ].join('\n');
  return { text, goals };
}
