/**
 * Section 3: what the sockex process itself costs (CPU time of all its
 * threads, peak RSS) over a fixed window at a 1 s interval, idle and under
 * the flood, in line mode and in the terminal UI. Counting happens in the
 * kernel, so the process's cost should not depend on the traffic.
 */
import { spawn } from 'node:child_process';
import { Child, NetNs, cpuNs, findDescendant, flood, peakRssKiB, sleep } from './env.js';
import { fixed, median, table, type Goal, type SectionResult } from './stats.js';

interface Usage {
  /** CPU ms in the first idle window after start-up (V8 still compiling, its first full GC). */
  warmupCpuMs: number;
  /** CPU ms per window afterwards, idle and under the flood, in alternating windows. */
  idleCpuMs: number[];
  floodCpuMs: number[];
  /** Peak RSS after all windows (the flood ones included). */
  rssMiB: number;
}

type Mode = 'lines' | 'tui';

/** Start the real CLI in the namespace: lines on a pipe, or the TUI on a pseudo-terminal. */
function startCli(ns: NetNs, cli: string, mode: Mode): Child {
  const args = [cli, '--interface', 'lo', '--interval', '1'];
  if (mode === 'lines') return new Child(ns.spawn(process.execPath, [...args, '--plain']));
  // script(1) gives the CLI a pseudo-terminal of a fixed size; its stdin stays open.
  const command = `stty rows 40 cols 120; exec ip netns exec ${ns.name} ${process.execPath} ${args.join(' ')}`;
  return new Child(spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/**
 * One sockex process: a warm-up window, then idle and flood windows in turn,
 * so both see the same process at the same age and the same noise.
 */
async function measure(cli: string, mode: Mode, warmupSeconds: number, windowSeconds: number, pairs: number): Promise<Usage> {
  const ns = new NetNs(`user-${mode}`);
  const child = startCli(ns, cli, mode);
  try {
    await child.waitFor(() => (child.stderr + child.stdout).includes('sockex: counting on') || child.stdout.includes('\x1b['), `sockex (${mode})`);
    const pid = findDescendant(child.child.pid!, 'node');
    if (pid === undefined) throw new Error(`cannot find the sockex process under ${child.child.pid}`);
    await sleep(1000);
    const window = async (withFlood: boolean, seconds = windowSeconds): Promise<number> => {
      const before = cpuNs(pid);
      if (withFlood) await flood(ns, { seconds, cpu: 1 });
      else await sleep(seconds * 1000);
      return (cpuNs(pid) - before) / 1e6;
    };
    const usage: Usage = { warmupCpuMs: await window(false, warmupSeconds), idleCpuMs: [], floodCpuMs: [], rssMiB: 0 };
    for (let i = 0; i < pairs; i++) {
      usage.idleCpuMs.push(await window(false));
      usage.floodCpuMs.push(await window(true));
    }
    usage.rssMiB = peakRssKiB(pid) / 1024;
    return usage;
  } finally {
    // Signal sockex itself: under script(1) the direct child is script, not sockex.
    const pid = findDescendant(child.child.pid!, 'node');
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    await child.stop('SIGTERM');
    ns.delete();
  }
}

/** Whether this build shows a dashboard on a terminal (the TUI may be built on another branch). */
async function hasTui(cli: string): Promise<boolean> {
  const ns = new NetNs('tui-probe');
  const child = startCli(ns, cli, 'tui');
  try {
    await child.waitFor(() => child.stdout.length > 0, 'sockex on a pty').catch(() => undefined);
    await sleep(1500);
    // Line mode on a terminal prints the sample's lines; a dashboard draws with escape sequences.
    return !/TCP \d+ UDP \d+ ICMP \d+ bytes/.test(child.stdout) && child.stdout.includes('\x1b[');
  } finally {
    const pid = findDescendant(child.child.pid!, 'node');
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    await child.stop('SIGTERM');
    ns.delete();
  }
}

export async function userCost(options: { cli: string; warmupSeconds: number; windowSeconds: number; pairs: number }): Promise<SectionResult> {
  const w = options.windowSeconds;
  const rows: string[][] = [];
  const goals: Goal[] = [];
  const tui = await hasTui(options.cli);
  for (const mode of ['lines', 'tui'] as const) {
    const label = mode === 'lines' ? 'lines (--plain, pipe)' : 'TUI (pty)';
    if (mode === 'tui' && !tui) {
      rows.push([label, 'n/a (TUI not in this build)', '', '', '', '', '']);
      goals.push({ goal: 'TUI: peak RSS < 80 MiB, CPU < 1% of a core', measured: 'n/a (TUI not in this build)', met: undefined });
      continue;
    }
    const u = await measure(options.cli, mode, options.warmupSeconds, w, options.pairs);
    const idle = median(u.idleCpuMs);
    const busy = median(u.floodCpuMs);
    const ratio = busy / idle;
    const per10 = (ms: number): number => (ms * 10) / w;
    const list = (values: number[]): string => values.map((v) => fixed(per10(v), 1)).join(', ');
    rows.push([label, fixed((u.warmupCpuMs * 10) / options.warmupSeconds, 1), list(u.idleCpuMs), list(u.floodCpuMs), fixed(ratio, 2), fixed((idle / (w * 1000)) * 100, 3), fixed(u.rssMiB, 1)]);
    if (mode === 'lines') {
      goals.push(
        { goal: 'lines: peak RSS < 60 MiB', measured: `${fixed(u.rssMiB)} MiB`, met: u.rssMiB < 60 },
        {
          goal: 'lines: idle CPU < 10 ms per 10 s (after warm-up)',
          measured: `${fixed(per10(idle))} ms (warm-up window: ${fixed((u.warmupCpuMs * 10) / options.warmupSeconds)} ms)`,
          met: per10(idle) < 10,
        },
        { goal: 'lines: CPU flood/idle <= 1.2', measured: fixed(ratio, 2), met: ratio <= 1.2 },
      );
    } else {
      const share = Math.max(idle, busy) / (w * 1000);
      goals.push(
        { goal: 'TUI: peak RSS < 80 MiB', measured: `${fixed(u.rssMiB)} MiB`, met: u.rssMiB < 80 },
        { goal: 'TUI: CPU < 1% of a core (after warm-up)', measured: `${fixed(share * 100, 2)}%`, met: share < 0.01 },
        { goal: 'TUI: CPU flood/idle <= 1.2', measured: fixed(ratio, 2), met: ratio <= 1.2 },
      );
    }
  }
  const text = [
    '### 3. User-space cost of the sockex process',
    '',
    `CPU time of all its threads (/proc/PID/task/*/schedstat, ns) at --interval 1, in ms per 10 s. One process per mode: 1 s after the filter is attached, a ${options.warmupSeconds} s warm-up window (V8's optimising compiler, and the full GC its memory reducer runs once a new process goes quiet), then ${options.pairs} idle and ${options.pairs} flood windows of ${w} s in turn (the C flood on lo, pinned to CPU 1); medians of those. Peak RSS is VmHWM at the end.`,
    '',
    table(['mode', 'warm-up window', 'idle windows', 'flood windows', 'flood/idle (medians)', 'idle % of a core', 'peak RSS MiB'], rows),
  ].join('\n');
  return { text, goals };
}
