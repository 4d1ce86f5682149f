/**
 * A terminal for end-to-end tests: a tmux server on a socket of the test's
 * own, one window of a given size running a shell command, keys sent in with
 * send-keys and the screen read back with capture-pane. Every wait polls the
 * screen for what should appear. The server is killed when the test ends.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { waitFor } from './harness.js';

let servers = 0;

export class TmuxTerminal {
  private readonly socket = `sockex-e2e-${process.pid}-${++servers}`;
  /** What the last capture() saw. */
  screen = '';

  constructor(t: TestContext, command: string, { width = 100, height = 30 } = {}) {
    this.tmux(['-u', 'new-session', '-d', '-x', String(width), '-y', String(height), '-s', 'term', command]);
    t.after(() => spawnSync('tmux', ['-L', this.socket, 'kill-server']));
  }

  tmux(args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  capture(): string {
    this.screen = this.tmux(['capture-pane', '-p', '-t', 'term']);
    return this.screen;
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'term', ...keys]);
  }

  /** A line typed at the shell, then Enter. */
  type(line: string): void {
    this.tmux(['send-keys', '-t', 'term', '-l', line]);
    this.keys('Enter');
  }

  /** tmux's own view of the pane: alternate screen, cursor, keypad mode, title. */
  flags(): { alternate: string; cursor: string; keypad: string; title: string } {
    // Spaces apart (tmux shows a tab as _ outside a UTF-8 locale); the title is the rest of the line.
    const [alternate = '', cursor = '', keypad = '', ...title] = this.tmux(['display-message', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag} #{keypad_flag} #{pane_title}'])
      .replace(/\n$/, '')
      .split(' ');
    return { alternate, cursor, keypad, title: title.join(' ') };
  }

  async until(what: string, condition: (screen: string) => boolean, timeoutMs = 10_000): Promise<string> {
    await waitFor(() => condition(this.capture()), timeoutMs, () => `the screen never showed ${what}; last screen:\n${this.screen}`);
    return this.screen;
  }
}
