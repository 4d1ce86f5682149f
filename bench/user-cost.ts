/**
 * Section 3: what the sockex process itself costs (CPU time of all its
 * threads, peak RSS) over a fixed window at a 1 s interval, idle and under
 * the flood, in line mode and in the terminal UI. Counting happens in the
 * kernel, so the process's cost should not depend on the traffic.
 */
import { spawn } from 'node:child_process';
import { Child, NetNs, cpuNs, findDescendant, flood, peakRssKiB, sleep } from './env.js';
import { fixed, table, type Goal, type SectionResult } from './stats.js';

interface Usage {
  /** CPU ms in the first window after start-up (V8 still compiling, its first full GC). */
  warmupCpuMs: number;
  /** CPU ms in the window after that: the steady state. */
  steadyCpuMs: number;
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

async function measure(cli: string, mode: Mode, withFlood: boolean, windowSeconds: number): Promise<Usage> {
  const ns = new NetNs(`user-${mode}`);
  const child = startCli(ns, cli, mode);
  try {
    await child.waitFor(() => (child.stderr + child.stdout).includes('sockex: counting on') || child.stdout.includes('\x1b['), `sockex (${mode})`);
    const pid = findDescendant(child.process.pid!, 'node');
    if (pid === undefined) throw new Error(`cannot find the sockex process under ${child.process.pid}`);
    // Two windows back to back, the flood (if any) running through both.
    await sleep(1000);
    const running = withFlood ? flood(ns, { seconds: 2 * windowSeconds + 0.5, cpu: 1 }) : undefined;
    const start = cpuNs(pid);
    await sleep(windowSeconds * 1000);
    const middle = cpuNs(pid);
    await sleep(windowSeconds * 1000);
    const end = cpuNs(pid);
    const usage = { warmupCpuMs: (middle - start) / 1e6, steadyCpuMs: (end - middle) / 1e6, rssMiB: peakRssKiB(pid) / 1024 };
    await running;
    return usage;
  } finally {
    // Signal sockex itself: under script(1) the direct child is script, not sockex.
    const pid = findDescendant(child.process.pid!, 'node');
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
    const pid = findDescendant(child.process.pid!, 'node');
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    await child.stop('SIGTERM');
    ns.delete();
  }
}

export async function userCost(options: { cli: string; windowSeconds: number }): Promise<SectionResult> {
  const w = options.windowSeconds;
  const rows: string[][] = [];
  const goals: Goal[] = [];
  const tui = await hasTui(options.cli);
  for (const mode of ['lines', 'tui'] as const) {
    if (mode === 'tui' && !tui) {
      rows.push(['TUI (pty)', 'n/a (TUI not in this build)', '', '', '', '', '', '', '']);
      goals.push({ goal: 'TUI: peak RSS < 80 MiB, CPU < 1% of a core', measured: 'n/a (TUI not in this build)', met: undefined });
      continue;
    }
    const idle = await measure(options.cli, mode, false, w);
    const busy = await measure(options.cli, mode, true, w);
    rows.push([
      mode === 'lines' ? 'lines (--plain, pipe)' : 'TUI (pty)',
      fixed(idle.warmupCpuMs, 1),
      fixed(idle.steadyCpuMs, 1),
      fixed(busy.warmupCpuMs, 1),
      fixed(busy.steadyCpuMs, 1),
      fixed(busy.steadyCpuMs / idle.steadyCpuMs, 2),
      fixed((idle.steadyCpuMs / (w * 1000)) * 100, 3),
      fixed(idle.rssMiB, 1),
      fixed(busy.rssMiB, 1),
    ]);
    const rss = Math.max(idle.rssMiB, busy.rssMiB);
    const ratio = busy.steadyCpuMs / idle.steadyCpuMs;
    const scale = 10 / w;
    if (mode === 'lines') {
      goals.push(
        { goal: 'lines: peak RSS < 60 MiB', measured: `${fixed(rss)} MiB`, met: rss < 60 },
        {
          goal: 'lines: idle CPU < 10 ms per 10 s (steady)',
          measured: `${fixed(idle.steadyCpuMs * scale)} ms (first window: ${fixed(idle.warmupCpuMs * scale)} ms)`,
          met: idle.steadyCpuMs * scale < 10,
        },
        { goal: 'lines: CPU flood/idle <= 1.2 (steady)', measured: fixed(ratio, 2), met: ratio <= 1.2 },
      );
    } else {
      const share = Math.max(idle.steadyCpuMs, busy.steadyCpuMs) / (w * 1000);
      goals.push(
        { goal: 'TUI: peak RSS < 80 MiB', measured: `${fixed(rss)} MiB`, met: rss < 80 },
        { goal: 'TUI: CPU < 1% of a core (steady)', measured: `${fixed(share * 100, 2)}%`, met: share < 0.01 },
        { goal: 'TUI: CPU flood/idle <= 1.2 (steady)', measured: fixed(ratio, 2), met: ratio <= 1.2 },
      );
    }
  }
  const text = [
    '### 3. User-space cost of the sockex process',
    '',
    `CPU time of all its threads (/proc/PID/task/*/schedstat, ns) at --interval 1 in two ${w} s windows back to back, from 1 s after the filter is attached: the first still holds V8's warm-up (optimising compiler, and the full GC its memory reducer runs once a new process goes quiet), the second is the steady state. Peak RSS is VmHWM at the end. Under flood: the C flood on lo (pinned to CPU 1) through both windows.`,
    '',
    table(
      ['mode', `idle CPU ms, first ${w}s`, `idle CPU ms, next ${w}s`, `flood CPU ms, first ${w}s`, `flood CPU ms, next ${w}s`, 'flood/idle (steady)', 'idle % of a core (steady)', 'peak RSS idle MiB', 'peak RSS flood MiB'],
      rows,
    ),
  ].join('\n');
  return { text, goals };
}
