/**
 * Section 3: what the sockex process itself costs (CPU time of all its
 * threads, peak RSS) over a fixed window at a 1 s interval, idle and under
 * the flood, in line mode and in the terminal UI. Counting happens in the
 * kernel, so the process's cost should not depend on the traffic.
 */
import { spawn } from 'node:child_process';
import { Child, NetNs, cpuNs, findDescendant, flood, peakRssKiB, sleep } from './env.js';
import { fixed, table } from './stats.js';

interface Usage {
  cpuMs: number;
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
    // Let start-up work (JIT, first samples) settle before the window opens.
    await sleep(1500);
    const before = cpuNs(pid);
    if (withFlood) await flood(ns, { seconds: windowSeconds, cpu: 1 });
    else await sleep(windowSeconds * 1000);
    const usage = { cpuMs: (cpuNs(pid) - before) / 1e6, rssMiB: peakRssKiB(pid) / 1024 };
    return usage;
  } finally {
    // The TUI quits on q as well; a signal reaches it in both modes.
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

export async function userCost(options: { cli: string; windowSeconds: number }): Promise<string> {
  const w = options.windowSeconds;
  const rows: string[][] = [];
  const tui = await hasTui(options.cli);
  for (const mode of ['lines', 'tui'] as const) {
    if (mode === 'tui' && !tui) {
      rows.push(['TUI (pty)', 'n/a (TUI not in this build)', '', '', '', '', '']);
      continue;
    }
    const idle = await measure(options.cli, mode, false, w);
    const busy = await measure(options.cli, mode, true, w);
    rows.push([
      mode === 'lines' ? 'lines (--plain, pipe)' : 'TUI (pty)',
      fixed(idle.cpuMs, 1),
      fixed(busy.cpuMs, 1),
      fixed(busy.cpuMs / idle.cpuMs, 2),
      fixed((idle.cpuMs / (w * 1000)) * 100, 2),
      fixed(idle.rssMiB, 1),
      fixed(busy.rssMiB, 1),
    ]);
  }
  return [
    '### 3. User-space cost of the sockex process',
    '',
    `CPU time of all its threads (/proc/PID/task/*/schedstat) over a ${w} s window at --interval 1, after 1.5 s to settle; peak RSS is VmHWM. Under flood: the C flood on lo (pinned to CPU 1) for the whole window.`,
    '',
    table(['mode', `idle CPU ms/${w}s`, `flood CPU ms/${w}s`, 'flood/idle', 'idle % of a core', 'peak RSS idle MiB', 'peak RSS flood MiB'], rows),
  ].join('\n');
}
