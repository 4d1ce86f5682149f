/**
 * User names by uid from /etc/passwd: read once, and again on a uid it does
 * not name (a user added since), at most once every `refreshSeconds`, so a
 * uid with no name does not read the file at every sample.
 */
import { readFileSync } from 'node:fs';

/** Seconds between two reads of /etc/passwd for uids it did not name. */
const PASSWD_REFRESH_SECONDS = 30;

/** name:password:uid:gid:...: the first line for a uid wins, as getpwuid finds it; comments and junk are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uidText] = line.split(':');
    if (!name || name.startsWith('#') || uidText === undefined || !/^\d+$/.test(uidText)) continue;
    const uid = Number(uidText);
    if (!names.has(uid)) names.set(uid, name);
  }
  return names;
}

export interface UserNamesOptions {
  /** The text of /etc/passwd; throws when it cannot be read (then no names). */
  readonly readPasswd?: () => string;
  /** Monotonic seconds. */
  readonly now?: () => number;
  readonly refreshSeconds?: number;
}

export class UserNames {
  private readonly readPasswd: () => string;
  private readonly now: () => number;
  private readonly refreshSeconds: number;
  private names: Map<number, string> | undefined;
  private readAt = -Infinity;

  constructor({ readPasswd = () => readFileSync('/etc/passwd', 'utf8'), now = () => performance.now() / 1000, refreshSeconds = PASSWD_REFRESH_SECONDS }: UserNamesOptions = {}) {
    this.readPasswd = readPasswd;
    this.now = now;
    this.refreshSeconds = refreshSeconds;
  }

  name(uid: number): string | undefined {
    if (this.names === undefined || (!this.names.has(uid) && this.now() - this.readAt >= this.refreshSeconds)) this.read();
    return this.names?.get(uid);
  }

  private read(): void {
    this.readAt = this.now();
    try {
      this.names = parsePasswd(this.readPasswd());
    } catch {
      // No /etc/passwd (a bare container): uids without names, tried again later.
      this.names = new Map();
    }
  }
}
