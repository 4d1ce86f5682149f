/**
 * Where the compiled filters are: bpf/build/ beside dist/, in a clone and in
 * the installed package alike; in the single executable (`npm run sea`), the
 * copies embedded in it, made readable when a filter is attached.
 */
import { fileURLToPath } from 'node:url';
import { embeddedFile, inSingleExecutable } from '../../sea/embedded-files.js';

const BUILD_DIRECTORY = fileURLToPath(new URL('../../../../bpf/build/', import.meta.url));

/** The filter the build puts at bpf/build/<name>. */
export function builtFilter(name: string): string {
  return `${BUILD_DIRECTORY}${name}`;
}

/** The path libbpf opens for the filter built as bpf/build/<name>, in this program. */
export function compiledFilter(name: string): string {
  return inSingleExecutable() ? embeddedFile(name) : builtFilter(name);
}
