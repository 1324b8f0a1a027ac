#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js, after tsc) into one ES module, dist/bin/kcmp.js: the `bin`
 * of the package. Node spends most of a short command's start-up finding, reading and linking ~120 small
 * modules one by one (see bench/README.md, "Start-up"); one file read once removes that. The library entry
 * points (dist/index.js, dist/index.cjs) stay unbundled.
 *
 * What stays outside the bundle:
 * - koffi: a native .node addon, loaded at run time with createRequire (src/sys/libc.ts);
 * - @hpcc-js/wasm-graphviz: 800 kB with its WebAssembly inlined, imported dynamically by the graph renderer;
 * - prom-client (with @opentelemetry/api, 170 kB: a quarter of the bundle), which only the exporter and
 *   `kcmp metrics` use: Node parses every byte of the one file at start-up, whatever the command. So are
 *   yaml and bcryptjs, which only the exporter's --web.config.file uses.
 *
 * Inside the bundle, each module's body runs when it is first imported, as without the bundle: a
 * subcommand's modules run only for that subcommand (src/cli/commands.ts). Two things the bundle changes:
 * - ES import statements cannot be deferred, so a bundle would hoist every `import … from 'node:http'` (or
 *   from prom-client) to its top and load every built-in module any command uses (http, child_process,
 *   worker_threads, …) for every command. Those imports are therefore turned into require() calls
 *   (lazyRequire): run when the module importing them runs, as without the bundle.
 * - string-width compiles Unicode-property regular expressions (\p{RGI_Emoji}) and an Intl.Segmenter when
 *   its module runs: ~30 ms, more than the rest of a one-process scan. Tables call it only for cells that
 *   are not printable ASCII (src/report/cell-text.ts), so the bundle loads it at its first call
 *   (lazyStringWidth).
 *
 * Modules that a bundled module starts by a path relative to itself — `new URL('./NAME.js',
 * import.meta.url)` for a Worker, `nodeScript(import.meta.url, 'NAME')` for a child process — are found in
 * the sources and bundled as their own entry points beside the CLI (dist/bin/NAME.js), which is where that
 * path points once the code runs from dist/bin/. dist/bin/ is two levels below the package root, as
 * dist/util/ is, so `../../package.json` (src/util/version.ts) resolves the same.
 *
 *   node scripts/bundle.mjs     # run by `npm run build`, after tsc
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const BIN_DIR = join(DIST, 'bin');

const SIBLING_SCRIPT = [
  /new URL\(\s*'\.\/([\w-]+)\.js',\s*import\.meta\.url\s*\)/g,
  /nodeScript\(\s*import\.meta\.url,\s*'([\w-]+)'\s*\)/g,
];

/** [source file, sibling script name] for every module started by a path relative to its caller. */
function siblingScripts() {
  const found = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    // Code only: a comment may show the call as an example.
    const code = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line))
      .join('\n');
    for (const pattern of SIBLING_SCRIPT)
      for (const [, name] of code.matchAll(pattern)) found.push([relative(SRC, file), name]);
  }
  return found;
}

/** CommonJS packages kept outside the bundle and required when their importer runs (see the header). */
const REQUIRED_WHEN_USED = ['prom-client', 'yaml', 'bcryptjs'];

/** `import … from 'node:NAME'` (or from a REQUIRED_WHEN_USED package) becomes a CommonJS module that
 * requires it: run when the module importing it runs. */
const lazyRequire = {
  name: 'lazy-require',
  setup(build) {
    const builtins = new Set(builtinModules);
    const deferred = (path) => builtins.has(path.replace(/^node:/, '')) || REQUIRED_WHEN_USED.includes(path);
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'import-statement' || !deferred(args.path)) return undefined;
      return { path: args.path, namespace: 'lazy-require' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

/** string-width's module, run at the first call of its function rather than when a table module loads. */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, (args) =>
      args.namespace === 'lazy-string-width'
        ? undefined
        : { path: 'string-width', namespace: 'lazy-string-width' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, () => ({
      contents:
        "export default function stringWidth(text, options) { return require('string-width').default(text, options); }",
      resolveDir: ROOT,
    }));
  },
};

const entryPoints = [{ in: join(DIST, 'cli', 'main.js'), out: 'kcmp' }];
const callerOf = new Map();
for (const [caller, name] of siblingScripts()) {
  const compiled = join(DIST, dirname(caller), `${name}.js`);
  const other = callerOf.get(name);
  if (other !== undefined && dirname(other) !== dirname(caller))
    throw new Error(
      `${other} and ${caller} both start a ${name}.js beside themselves: one dist/bin/ holds both`,
    );
  if (other !== undefined) continue;
  if (!existsSync(compiled))
    throw new Error(`${caller} starts ${name}.js beside itself, but tsc produced no ${compiled}`);
  callerOf.set(name, caller);
  entryPoints.push({ in: compiled, out: name });
}
await build({
  entryPoints,
  outdir: BIN_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', '@hpcc-js/wasm-graphviz', ...REQUIRED_WHEN_USED],
  // Bundled CommonJS (commander, lazyRequire) requires modules at run time: give it a require.
  banner: {
    js: "import { createRequire as __kcmpRequire } from 'node:module';\nconst require = __kcmpRequire(import.meta.url);",
  },
  plugins: [lazyRequire, lazyStringWidth],
  logLevel: 'warning',
});
