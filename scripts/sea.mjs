// Builds the single executable, dist/sea/sockex (`npm run sea`, after
// `npm run build`): a copy of the running node binary with sockex injected as
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

const OUT = 'dist/sea';
const EXECUTABLE = `${OUT}/sockex`;
const FILTERS = 'bpf/build';
// The fuse Node looks for to know a blob was injected (Node's SEA documentation).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const require = createRequire(import.meta.url);
// koffi's prebuilt addon for this machine: the package koffi's own loader
// (src/koffi/src/static.cjs) requires, and in it the glibc or the musl build,
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

// koffi asks for its addon package by name: this machine's becomes the
// embedded addon (src/sea/embedded-files.ts), every other one is absent,
// which koffi's loader expects of all packages but one.
const embeddedKoffi = {
  name: 'embedded-koffi',
  setup(b) {
    b.onResolve({ filter: /^@koromix\/koffi-/ }, (args) => ({ path: args.path, namespace: 'embedded-koffi' }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-koffi' }, (args) => ({
      contents:
        args.path === koffiPackage
          ? `module.exports = require(${JSON.stringify(resolve('dist/src/sea/embedded-files.js'))}).loadEmbeddedAddon('koffi.node');`
          : `throw new Error(${JSON.stringify(`${args.path} is not in this single executable`)});`,
      loader: 'js',
      resolveDir: resolve('.'),
    }));
  },
};

// blessed loads files by path from its package: each widget, by a computed
// name without its extension (esbuild bundles every file such a require can
// name, keyed with the extension, so the name gets one), and its own terminfo
// (usr/), which it falls back to when it cannot parse the system's (ncurses
// 6's format): those become assets, opened as embedded files.
const BLESSED_USR = 'node_modules/blessed/usr';
const blessedFiles = {
  name: 'blessed-files',
  setup(b) {
    const rewrite = (file, from, to, count) => {
      b.onLoad({ filter: new RegExp(`[/\\\\]blessed[/\\\\]lib[/\\\\]${file}$`) }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const found = text.match(from)?.length ?? 0;
        if (found !== count) throw new Error(`${args.path}: ${found} of ${count} expected ${from} (see scripts/sea.mjs)`);
        return { contents: text.replace(from, to), loader: 'js' };
      });
    };
    rewrite('widget\\.js', /require\('\.\/widgets\/' \+ file\)/g, "require('./widgets/' + file + '.js')", 1);
    const embedded = JSON.stringify(resolve('dist/src/sea/embedded-files.js'));
    rewrite('tput\\.js', /__dirname \+ '\/\.\.\/usr\/([^']*'(?: \+ name)?(?: \+ '\.termcap')?)/g, `require(${embedded}).embeddedFile('blessed/$1)`, 4);
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: ['dist/src/main.js'],
  outfile: `${OUT}/sockex.cjs`,
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
  `${OUT}/sea-config.json`,
  JSON.stringify({
    main: `${OUT}/sockex.cjs`,
    output: `${OUT}/sockex.blob`,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', `${OUT}/sea-config.json`], { stdio: ['ignore', 'ignore', 'inherit'] });

copyFileSync(process.execPath, EXECUTABLE);
chmodSync(EXECUTABLE, 0o755);
await postject.inject(EXECUTABLE, 'NODE_SEA_BLOB', readFileSync(`${OUT}/sockex.blob`), { sentinelFuse: SEA_FUSE });
for (const intermediate of ['sockex.cjs', 'sockex.blob', 'sea-config.json']) rmSync(`${OUT}/${intermediate}`);
