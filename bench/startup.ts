/**
 * Section 4: start-up, from exec to the filter attached (sockex says
 * "counting on" on stderr right after bind) and to the first sample on
 * stdout, beside a Node process that loads nothing, in alternating runs.
 */
import { spawn } from 'node:child_process';
import { fixed, max, median, min, table, type SectionResult } from './stats.js';

interface Timing {
  attached: number;
  firstSample: number;
  exit: number;
}

/** Milliseconds from spawn to the first stderr/stdout marker and to exit. */
function timeRun(args: string[]): Promise<Timing> {
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
      if (Number.isNaN(timing.firstSample)) timing.firstSample = performance.now() - start;
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
  const count = (cli: string): string[] => [cli, '--interface', 'lo', '--count', '1', '--plain'];
  // One untimed run of each, so the page cache holds every file.
  await timeRun(['-e', '0']);
  for (const cli of options.clis) await timeRun(count(cli.path));
  for (let i = 0; i < options.runs; i++) {
    bare.push((await timeRun(['-e', '0'])).exit);
    for (const [k, cli] of options.clis.entries()) {
      const r = results[k]!;
      r.version.push((await timeRun([cli.path, '--version'])).exit);
      const t = await timeRun(count(cli.path));
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
      row(`${cli.label}: --count 1, exit`, r.exit),
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
    `${options.runs} alternating runs each, spawned from Node, milliseconds from spawn. sockex runs \`--interface lo --count 1 --plain\` (its first sample is taken at once, as the kernel sample does, then every interval). "filter attached" is when sockex says "counting on" on stderr, right after bind().`,
    '',
    table(['run', 'median ms', 'range', 'vs node -e 0'], rows),
  ].join('\n');
  return { text, goals };
}
