/**
 * The live dashboard: a blessed screen that paints what view-model.ts
 * computes and turns keys into state changes. Nothing here decides what is
 * shown. main.ts imports this module (and with it blessed) only when the
 * dashboard is the output, so line and JSON runs never pay for loading it,
 * and does so before it gives up root (see there).
 */
import blessed from 'blessed';
import type { Snapshot } from '../../model/snapshot.js';
import type { RunStatus } from '../../model/run-status.js';
import type { Renderer } from '../renderer.js';
import { actionForKey, applyAction, initialState, withSnapshot, type DashboardState } from './dashboard-state.js';
import { colourSupport, toTagged, unicodeSupport } from './tones.js';
import { buildScreen } from './view-model.js';

export interface DashboardOptions {
  /** q or Ctrl-C was pressed (no error), or drawing failed: main stops, detaches and calls close(). */
  onQuit(error?: unknown): void;
  /** Decides colour and UTF-8 (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export async function openDashboard(options: DashboardOptions): Promise<Renderer> {
  const env = options.env ?? process.env;
  const support = colourSupport(env);
  const unicode = unicodeSupport(env);

  // The terminal's program first, then the screen on it. blessed.screen()
  // files its screen for teardown at exit before making the program; when
  // that throws (no terminfo readable: out of descriptors as the dashboard
  // opens), the exit tears down a screen with no program and throws on its
  // isAlt, a stack trace and Node's exit code 7 over sockex's one line.
  const program = withoutConsoleErrors(() => blessed.program({ forceUnicode: unicode }));
  const screen = blessed.screen({
    program,
    smartCSR: true,
    // Our text is single-width; telling blessed what the locale says keeps it from replacing bars with '?'.
    forceUnicode: unicode,
    fullUnicode: false,
    warnings: false,
    // No title: blessed cannot put the terminal's old one back.
  });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // destroy() leaves the alternate screen, shows the cursor and turns raw mode off.
    try {
      screen.destroy();
    } catch {
      // The terminal is gone (SIGHUP): nothing left to restore.
    }
  };

  let state: DashboardState = initialState();
  /** Stopped by Ctrl-Z: the terminal is the shell's until SIGCONT. */
  let suspended = false;
  let draw: () => void;
  try {
    const box = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', tags: support !== 'none', wrap: false });
    draw = (): void => {
      if (closed || suspended) return;
      const lines = buildScreen(state, { width: Number(screen.width), height: Number(screen.height), unicode });
      box.setContent(lines.map((line) => toTagged(line, support)).join('\n'));
      screen.render();
    };
    // Errors inside blessed's event handlers would escape main: hand them over so it stops and reports.
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        options.onQuit(err);
      }
    };
    /**
     * Ctrl-Z, as every full-screen tool does it: give the shell a normal
     * terminal (main screen, cursor, cooked mode), stop; on fg (SIGCONT) take
     * the terminal back and repaint all of it. blessed's own sigtstp() loses
     * the restoring sequences: it queues them for the next tick and silences
     * the output before that tick comes, so they are written unbuffered here.
     * On fg a sample's timer can fire before the SIGCONT handler runs, and
     * blessed queues the frame it draws; resuming would then write it onto
     * the shell's screen before switching back to the alternate one (and q
     * leaves it there). So nothing is drawn while stopped, and whatever
     * blessed queued meanwhile is dropped while the output is still silenced.
     */
    const suspend = (): void => {
      const program = screen.program;
      program.flush();
      const buffered = program.useBuffer;
      program.useBuffer = false;
      const resume = program.pause();
      program.useBuffer = buffered;
      suspended = true;
      process.once('SIGCONT', () =>
        guarded(() => {
          suspended = false;
          program.flush();
          resume();
          screen.realloc();
          draw();
        }),
      );
      process.kill(process.pid, 'SIGTSTP');
    };
    screen.on('resize', () => guarded(draw));
    screen.on('keypress', (ch: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) =>
      guarded(() => {
        const name = key?.ctrl || key?.name === 'escape' ? key.name : (ch ?? key?.name);
        const action = actionForKey(name?.toLowerCase(), key?.ctrl === true);
        if (action === undefined) return;
        if (action === 'quit') {
          options.onQuit();
          return;
        }
        if (action === 'suspend') {
          suspend();
          return;
        }
        state = applyAction(state, action);
        draw();
      }),
    );
    draw();
  } catch (err) {
    close();
    throw err;
  }

  return {
    render(snapshot: Snapshot, status: RunStatus) {
      state = withSnapshot(state, snapshot, status);
      draw();
    },
    close,
  };
}

/**
 * blessed's terminfo compiler prints a capability it cannot compile
 * (screen-256color's plab_norm, GNU screen's usual TERM) as a page of
 * generated code on console.error, then falls back to its own copy of the
 * entry: the dashboard works, but the page would stay on the terminal after it.
 */
function withoutConsoleErrors<T>(make: () => T): T {
  const error = console.error;
  console.error = () => undefined;
  try {
    return make();
  } finally {
    console.error = error;
  }
}
