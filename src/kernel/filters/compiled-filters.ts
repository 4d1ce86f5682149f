/**
 * Where the compiled filters are: bpf/build/ beside dist/, in a clone and in
 * the installed package alike; in the single executable (`npm run sea`), the
 * copies embedded in it.
 */
import { fileURLToPath } from 'node:url';
import { embeddedFile, inSingleExecutable } from '../../sea/embedded-files.js';

const BUILD_DIRECTORY = fileURLToPath(new URL('../../../../bpf/build/', import.meta.url));

/** The path libbpf opens for the filter built as bpf/build/<name>. */
export function compiledFilter(name: string): string {
  return inSingleExecutable() ? embeddedFile(name) : `${BUILD_DIRECTORY}${name}`;
}
