/**
 * The kernel sample's demonstration: ping localhost five times while the
 * filter counts, and report what ping saw so the two can be compared.
 */
import { spawn } from 'node:child_process';
import { SockexError } from './errors.js';
import type { DemoStatus } from './model/run-status.js';

const DEMO_PING_ARGS = ['-4', '-c5', 'localhost'];

export interface DemoPing {
  /** Resolves when ping has exited. */
  readonly done: Promise<void>;
  /** Interrupt ping (it prints its summary and exits). */
  stop(): void;
}

/** Start ping; onStatus gets a new status object (never the same one changed) whenever ping reports. */
export function startDemoPing(onStatus: (status: Readonly<DemoStatus>) => void): Promise<DemoPing> {
  return new Promise((resolve, reject) => {
    const status: DemoStatus = { running: true, transmitted: 0, received: 0 };
    const onChange = (): void => onStatus(Object.freeze({ ...status }));
    const child = spawn('ping', DEMO_PING_ARGS, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const seq = /icmp_seq=(\d+)/.exec(line);
        if (seq && /bytes from/.test(line)) {
          status.received += 1;
          status.transmitted = Math.max(status.transmitted, Number(seq[1]));
          onChange();
        }
        const summary = /(\d+) packets transmitted, (\d+) received/.exec(line);
        if (summary) {
          status.transmitted = Number(summary[1]);
          status.received = Number(summary[2]);
        }
      }
    });
    child.stderr.resume();
    const done = new Promise<void>((resolveDone) => {
      child.on('exit', () => {
        status.running = false;
        onChange();
        resolveDone();
      });
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      status.running = false;
      reject(
        err.code === 'ENOENT'
          ? new SockexError('usage', 'the demo needs ping: install it (Debian/Ubuntu: apt-get install iputils-ping)')
          : err,
      );
    });
    child.on('spawn', () => resolve({ done, stop: () => child.kill('SIGINT') }));
  });
}
