// Builds the single executable, dist/sea/sockex or the path given (`npm run
// sea [-- path]`, after `npm run build`): a copy of the running node binary with sockex injected as
// a Node single executable application. It carries the program (one CommonJS
// bundle: Node 20 runs only CommonJS as a SEA's main), the compiled filters and
// koffi's native module (assets, read by src/sea/embedded-files.ts), so a host
// needs only libbpf.so.1 and libc. The npm package and its bin are not touched.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import postject from 'postject';

const EXECUTABLE = resolve(process.argv[2] ?? 'dist/sea/sockex');
// The intermediate files go beside it, and are removed at the end.
const BUNDLE = `${EXECUTABLE}.cjs`;
const BLOB = `${EXECUTABLE}.blob`;
const SEA_CONFIG = `${EXECUTABLE}.sea-config.json`;
const FILTERS = 'bpf/build';
// The fuse Node looks for to know a blob was injected (Node's SEA documentation).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const require = createRequire(import.meta.url);
// koffi's prebuilt addon for this machine: the package koffi's own loader
// requires, and in it the glibc or the musl build,
// whichever the node binary being copied runs on.
const koffiPackage = `@koromix/koffi-${process.platform}-${process.arch}`;
const libc = process.report.getReport().header.glibcVersionRuntime ? process.platform : 'musl';
const koffiAddon = `${dirname(require.resolve(`${koffiPackage}/package.json`))}/${libc}_${process.arch}/koffi.node`;

// sockex's modules are ES modules that find files through import.meta.url,
// which a CommonJS bundle does not have. Their createRequire(import.meta.url)
// becomes the bundle's require, so what they load (package.json, koffi) is
// bundled; a module's other uses of import.meta.url (where bpf/build is)
// only matter outside the single executable.
const ownRequire = {
  name: 'own-require',
  setup(b) {
    const src = resolve('dist/src');
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(`${src}/`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('createRequire(import.meta.url)')) return undefined;
      return {
        contents: text
          .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
          .replaceAll('createRequire(import.meta.url)(', 'require('),
        loader: 'js',
      };
    });
  },
};

// koffi finds its addon with loadStatic (src/koffi/src/static.cjs), which
// requires this machine's package and swallows why it failed: here it loads
// the embedded addon (src/sea/embedded-files.ts), and its errors get through.
const embeddedKoffi = {
  name: 'embedded-koffi',
  setup(b) {
    b.onResolve({ filter: /^\.\/src\/static\.cjs$/ }, (args) =>
      /[/\\]koffi[/\\]/.test(args.importer) ? { path: 'loadStatic', namespace: 'embedded-koffi' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'embedded-koffi' }, () => ({
      contents: `const { loadEmbeddedAddon } = require(${JSON.stringify(resolve('dist/src/sea/embedded-files.js'))});
module.exports = { loadStatic: () => loadEmbeddedAddon('koffi.node') };`,
      loader: 'js',
      resolveDir: resolve('.'),
    }));
  },
};

// blessed loads files by path from its package: each widget, by a computed
// name without its extension (esbuild bundles every file such a require can
// name, keyed with the extension, so the name gets one), and its own terminfo
// (usr/), which it falls back to when it cannot parse the system's (ncurses
// 6's format): those become assets, read through withEmbeddedFiles.
const BLESSED_USR = 'node_modules/blessed/usr';
const blessedFiles = {
  name: 'blessed-files',
  setup(b) {
    // Each replacement [from, to, how many times from must be found]: a newer blessed that differs fails the build.
    const rewrite = (file, replacements) => {
      b.onLoad({ filter: new RegExp(`[/\\\\]blessed[/\\\\]lib[/\\\\]${file}$`) }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to, count] of replacements) {
          const found = text.match(from)?.length ?? 0;
          if (found !== count) throw new Error(`${args.path}: ${from} found ${found} times, not ${count} (see scripts/sea.mjs)`);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
    };
    rewrite('widget\\.js', [[/require\('\.\/widgets\/' \+ file\)/g, "require('./widgets/' + file + '.js')", 1]]);
    const embedded = JSON.stringify(resolve('dist/src/sea/embedded-files.js'));
    rewrite('tput\\.js', [
      [/__dirname \+ '\/\.\.\/usr\//g, "'/sockex-embedded/blessed/", 4],
      [/fs = require\('fs'\)/g, `fs = require(${embedded}).withEmbeddedFiles(require('fs'))`, 1],
    ]);
  },
};

mkdirSync(dirname(EXECUTABLE), { recursive: true });
await build({
  entryPoints: ['dist/src/main.js'],
  outfile: BUNDLE,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // No file holds the bundle: an import.meta.url left over gets a URL that names none.
  define: { 'import.meta.url': '"file:///sockex-single-executable/dist/src/main.js"' },
  // blessed's terminal widget (never used) asks for these optional packages.
  external: ['term.js', 'pty.js'],
  plugins: [ownRequire, embeddedKoffi, blessedFiles],
  logLevel: 'warning',
});

const assets = Object.fromEntries(
  readdirSync(FILTERS)
    .filter((name) => name.endsWith('.bpf.o'))
    .map((name) => [name, `${FILTERS}/${name}`]),
);
assets['koffi.node'] = koffiAddon;
for (const name of readdirSync(BLESSED_USR)) {
  if (name !== 'fonts') assets[`blessed/${name}`] = `${BLESSED_USR}/${name}`;
}
writeFileSync(
  SEA_CONFIG,
  JSON.stringify({
    main: BUNDLE,
    output: BLOB,
    disableExperimentalSEAWarning: true,
    // No code cache: V8 rejects one made under other flags, with a warning at every start, and the
    // systemd unit gives NODE_OPTIONS (examples/sockex.service). Measured: 0.41 s to a first sample
    // against 0.32 with it.
    useCodeCache: false,
    assets,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', SEA_CONFIG], { stdio: 'pipe' });

copyFileSync(process.execPath, EXECUTABLE);
chmodSync(EXECUTABLE, 0o755);
// postject's ELF library warns about note sections it cannot name; they are copied as they are.
await postject.inject(EXECUTABLE, 'NODE_SEA_BLOB', readFileSync(BLOB), { sentinelFuse: SEA_FUSE });
for (const intermediate of [BUNDLE, BLOB, SEA_CONFIG]) rmSync(intermediate);
