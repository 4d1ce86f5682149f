/**
 * Cgroup v2 paths by the kernel's cgroup id (what bpf_skb_cgroup_id and
 * bpf_get_current_cgroup_id return): on 64-bit kernels the id is the
 * directory's inode number under the cgroup2 mount (cgroup2-root.ts), so a
 * walk of the tree finds it. Paths are relative to that mount, "/" for the
 * root itself, the same wherever the hierarchy is mounted.
 *
 * Walking the tree is the cost (a stat per cgroup), so it is done only for
 * an id not seen before, and at most once per paths() call (once per
 * sample). An id the walk does not find is gone (cgroup ids are never
 * reused) and never walked for again. Both caches are bounded.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Ids (found or gone) kept between samples, unless told otherwise: the kernel's table is smaller. */
const DEFAULT_CGROUP_CACHE = 16384;

export class CgroupPaths {
  private readonly root: string;
  private readonly maxEntries: number;
  private readonly known = new Map<bigint, string>();
  private readonly gone = new Set<bigint>();
  /** How many times the tree was walked (for tests and the bench). */
  walks = 0;

  constructor(root: string, maxEntries = DEFAULT_CGROUP_CACHE) {
    this.root = root;
    this.maxEntries = maxEntries;
  }

  /** The path of each id that has one; walks the tree once if any id is new. */
  paths(ids: ReadonlySet<bigint>): ReadonlyMap<bigint, string> {
    const missing = [...ids].filter((id) => !this.known.has(id) && !this.gone.has(id));
    if (missing.length > 0) {
      const found = this.walk();
      for (const id of missing) {
        const path = found.get(id);
        if (path === undefined) remember(this.gone, id, this.maxEntries);
        else remember(this.known, id, this.maxEntries, path);
      }
    }
    const out = new Map<bigint, string>();
    for (const id of ids) {
      const path = this.known.get(id);
      if (path !== undefined) out.set(id, path);
    }
    return out;
  }

  /** Every cgroup under the root by id. A directory removed during the walk is skipped. */
  private walk(): Map<bigint, string> {
    this.walks += 1;
    const found = new Map<bigint, string>();
    const visit = (dir: string, path: string): void => {
      try {
        found.set(statSync(dir, { bigint: true }).ino, path);
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) visit(join(dir, entry.name), path === '/' ? `/${entry.name}` : `${path}/${entry.name}`);
        }
      } catch {
        // Gone between readdir and stat: a cgroup removed while we looked.
      }
    };
    visit(this.root, '/');
    return found;
  }
}

/** Adds to a bounded Map or Set, forgetting the oldest entry first. */
function remember<K, V>(cache: Map<K, V> | Set<K>, key: K, max: number, value?: V): void {
  if (cache instanceof Map) cache.set(key, value as V);
  else cache.add(key);
  if (cache.size > max) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
}
