// Bundles the CLI into one file, dist/src/bin/sockex.js (the package's bin).
// Why: Node 20 has no compile cache, and yargs is some 15 ES modules that
// Node resolves, reads and compiles one by one at every start; one file
// starts about 40 ms sooner. koffi and blessed stay outside,
// loaded from node_modules as before (see external below); the modules
// loaded lazily become chunks beside it (dist/src/bin/*-HASH.js). The end-to-end
// tests run this bin, what users run; test/e2e/bundle.test.ts checks that it
// behaves as dist/src/main.js, the same program unbundled.
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const OUTFILE = 'dist/src/bin/sockex.js';

// string-width builds Unicode tables when it is imported (an Intl.Segmenter
// and an RGI_Emoji regular expression, about 30 ms), yet yargs only measures
// text to lay out --help and usage errors. Each import of it gets a stand-in
// that loads the real module, the copy that importer would have had, on
// first use.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let width;
export default function stringWidth(text, options) {
  width ??= require(${JSON.stringify(args.path)}).default;
  return width(text, options);
}
`,
      loader: 'js',
      resolveDir: '.',
    }));
  },
};

// sockex's modules find files next to themselves (the compiled filter,
// package.json) through import.meta.url. In the bundle each of them keeps the
// URL it has unbundled, so every relative path stays right.
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    const src = resolve('dist/src');
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(`${src}/`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromBundle = relative(dirname(resolve(OUTFILE)), args.path).split('\\').join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`),
        loader: 'js',
      };
    });
  },
};

// What sockex loads with import() only when it is used (the dashboard and
// blessed, the metrics server and its writers) becomes a chunk of its own,
// next to the bin: a plain run never reads or evaluates it. Code splitting
// keeps one copy of every module across the bin and its chunks, so an error
// thrown by the metrics server is the same SockexError class main.ts knows.
await rm(dirname(OUTFILE), { recursive: true, force: true });
await build({
  entryPoints: { [basename(OUTFILE, '.js')]: 'dist/src/main.js' },
  outdir: dirname(OUTFILE),
  chunkNames: '[name]-[hash]',
  splitting: true,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled: sockex and yargs (ES modules). Kept outside: koffi (a native
  // addon) and blessed (loads widgets and terminfo by path); blessed is
  // loaded only where it is used.
  external: ['koffi', 'blessed'],
  plugins: [lazyStringWidth, ownImportMetaUrl],
  logLevel: 'warning',
});
