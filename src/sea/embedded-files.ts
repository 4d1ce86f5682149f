/**
 * The single executable (`npm run sea`, scripts/sea.mjs) carries the compiled
 * filters and koffi's native module as assets. libbpf opens a filter by path
 * and dlopen wants a file, so each asset becomes an unnamed file in the temp
 * directory (O_TMPFILE), reached as /proc/self/fd/N: nothing gets a name, so
 * nothing is left behind, not even by kill -9. Outside the single executable
 * none of this runs.
 */
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { getAsset, isSea } from 'node:sea';

/** open(2)'s O_TMPFILE: __O_TMPFILE (the same on every Linux architecture) with the architecture's O_DIRECTORY. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/** Whether this process is the single executable. */
export const inSingleExecutable: () => boolean = isSea;

const opened = new Map<string, string>();

/** An embedded asset as a file path, kept open (and so readable) for the life of the process. */
export function embeddedFile(name: string): string {
  let path = opened.get(name);
  if (path === undefined) {
    path = `/proc/self/fd/${unnamedFile(tmpdir(), Buffer.from(getAsset(name)))}`;
    opened.set(name, path);
  }
  return path;
}

/**
 * An embedded Node-API addon, loaded. The temp directory may be mounted
 * noexec, where dlopen cannot map code: /dev/shm is tried next.
 */
export function loadEmbeddedAddon(name: string): unknown {
  const bytes = Buffer.from(getAsset(name));
  const directories = [...new Set([tmpdir(), '/dev/shm'])];
  let firstError: unknown;
  for (const directory of directories) {
    let fd: number | undefined;
    try {
      fd = unnamedFile(directory, bytes);
      const addon = { exports: {} };
      process.dlopen(addon, `/proc/self/fd/${fd}`);
      return addon.exports;
    } catch (err) {
      firstError ??= err;
    } finally {
      // dlopen has mapped the file: the mapping keeps it, the descriptor is not needed.
      if (fd !== undefined) closeSync(fd);
    }
  }
  const reason = firstError instanceof Error ? firstError.message.split('\n')[0] : String(firstError);
  throw new Error(
    `cannot load the embedded ${name} from ${directories.join(' or ')} (${reason}); set TMPDIR to a writable directory not mounted noexec`,
  );
}

/** A file with no name holding bytes, open for reading and writing; its descriptor. */
function unnamedFile(directory: string, bytes: Buffer): number {
  let fd: number;
  try {
    fd = openSync(directory, O_TMPFILE | constants.O_RDWR, 0o700);
  } catch (err) {
    // A filesystem without O_TMPFILE: a named file in a private directory, unlinked at once.
    if (!['EOPNOTSUPP', 'EISDIR', 'EINVAL'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    const privateDirectory = mkdtempSync(`${directory}/sockex-`);
    try {
      fd = openSync(`${privateDirectory}/asset`, 'wx+', 0o700);
    } finally {
      rmSync(privateDirectory, { recursive: true, force: true });
    }
  }
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}
