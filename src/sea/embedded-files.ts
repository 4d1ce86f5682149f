/**
 * The single executable (`npm run sea`, scripts/sea.mjs) carries the compiled
 * filters and koffi's native module as assets. libbpf opens a filter by path
 * and dlopen wants a file, so each asset becomes an unnamed file in the temp
 * directory (O_TMPFILE), reached as /proc/self/fd/N: nothing gets a name, so
 * nothing is left behind, not even by kill -9. Outside the single executable
 * none of this runs.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { getAsset, isSea } from 'node:sea';
import { SockexError } from '../errors.js';

/** open(2)'s O_TMPFILE: __O_TMPFILE (the same on every Linux architecture) with the architecture's O_DIRECTORY. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/** Whether this process is the single executable. */
export const inSingleExecutable: () => boolean = isSea;

const opened = new Map<string, string>();

/** An embedded asset as a file path, kept open (and so readable) for the life of the process. */
export function embeddedFile(name: string): string {
  let path = opened.get(name);
  if (path === undefined) {
    const bytes = Buffer.from(getAsset(name));
    path = `/proc/self/fd/${inFirstDirectory(`make the embedded ${name}`, (directory) => unnamedFile(directory, bytes))}`;
    opened.set(name, path);
  }
  return path;
}

/** An embedded Node-API addon, loaded. */
export function loadEmbeddedAddon(name: string): unknown {
  const bytes = Buffer.from(getAsset(name));
  return inFirstDirectory(`load the embedded ${name}`, (directory) => {
    const fd = unnamedFile(directory, bytes);
    try {
      const addon = { exports: {} };
      process.dlopen(addon, `/proc/self/fd/${fd}`);
      return addon.exports;
    } finally {
      // dlopen has mapped the file: the mapping keeps it, the descriptor is not needed.
      closeSync(fd);
    }
  });
}

/**
 * use(TMPDIR), else use('/dev/shm'): a tmpfs, which has unnamed files on
 * every kernel sockex runs on, where TMPDIR may be missing, read-only,
 * mounted noexec (no dlopen) or on a filesystem without O_TMPFILE.
 */
function inFirstDirectory<T>(what: string, use: (directory: string) => T): T {
  const directories = [...new Set([tmpdir(), '/dev/shm'])];
  let firstError: unknown;
  for (const directory of directories) {
    try {
      return use(directory);
    } catch (err) {
      firstError ??= err;
    }
  }
  const reason = firstError instanceof Error ? firstError.message.split('\n')[0] : String(firstError);
  throw new SockexError(
    'syscall',
    `cannot ${what} in ${directories.join(' or ')} (${reason}): set TMPDIR to a writable directory, not mounted noexec, on tmpfs, ext4, xfs or btrfs`,
  );
}

/** A directory no file system has: withEmbeddedFiles reads the assets under it. */
export const EMBEDDED_ROOT = '/sockex-embedded/';

/**
 * fs, with readFileSync reading paths under EMBEDDED_ROOT from the assets:
 * for a library that reads its own files by path (blessed's terminfo) and
 * may do so after sockex has given up root, when no new file could be made.
 */
export function withEmbeddedFiles(fs: typeof import('node:fs')): typeof import('node:fs') {
  const readFileSync = (path: unknown, options?: unknown): unknown => {
    if (typeof path !== 'string' || !path.startsWith(EMBEDDED_ROOT)) return (fs.readFileSync as (p: unknown, o: unknown) => unknown)(path, options);
    const bytes = Buffer.from(getAsset(path.slice(EMBEDDED_ROOT.length)));
    const encoding = typeof options === 'string' ? (options as BufferEncoding) : (options as { encoding?: BufferEncoding } | undefined)?.encoding;
    return encoding ? bytes.toString(encoding) : bytes;
  };
  return Object.assign(Object.create(fs) as typeof fs, { readFileSync });
}

/** A file with no name (O_TMPFILE) in directory holding bytes, open for reading and writing; its descriptor. */
function unnamedFile(directory: string, bytes: Buffer): number {
  const fd = openSync(directory, O_TMPFILE | constants.O_RDWR, 0o700);
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}
