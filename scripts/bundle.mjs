#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js, after tsc) into one CommonJS file, dist/bin/cli.js, and
 * writes the package's `bin` beside it: dist/bin/kcmp.js (src/cli/bin.cjs), which runs cli.js from V8's
 * code cache of it, dist/bin/cli.js.cache (scripts/code-cache.mjs makes it, last). Node spends most of a
 * short command's start-up finding, reading, compiling and linking modules (bench/README.md, "Start-up"):
 * one file read once, compiled from a cache, removes most of that. The library entry points (dist/index.js,
 * dist/index.cjs) stay unbundled.
 *
 * CommonJS, not an ES module: Node's ES module loader costs ~5 ms more to start, and only a classic script
 * takes a code cache (src/cli/bin.cjs). dist/bin/package.json says so to Node ("type": "commonjs"), for
 * every script there. `import.meta.url` becomes the file's own URL.
 *
 * This file decides what a command loads when; what it leaves to run time, and why:
 * - Inside the bundle, each module's body runs when it is first imported, as without the bundle: a
 *   subcommand's modules run only for that subcommand (src/cli/commands.ts), a renderer's only for its
 *   --format (src/cli/format.ts).
 * - Node's built-in modules that Node's own start-up has not loaded (child_process, worker_threads, net,
 *   dgram, os, http, …) are loaded at the first use of one of their exports, not when a module importing
 *   them runs (deferBuiltins): commander requires child_process for subcommands kcmp does not have, the
 *   fd scan imports worker_threads for scans large enough to share out, --stop needs child_process and
 *   net, sockets dgram… and a plain `kcmp fds -p PID` needs none of them. Those whose exports are a
 *   function (assert, events, stream, module) are required when their importer runs: a function cannot
 *   stand in for them.
 * - Outside the bundle, required when their importer runs: koffi (a native .node addon; src/sys/libc.ts
 *   loads it at the first syscall), @hpcc-js/wasm-graphviz (800 kB with its WebAssembly inlined, imported
 *   by the SVG renderer only), prom-client (with @opentelemetry/api, 170 kB: a quarter of the bundle) for
 *   the exporter and `kcmp metrics` only, yaml and bcryptjs for the exporter's --web.config.file only.
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
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { binNodeFlags } from './bin-flags.mjs';

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

/** Packages kept outside the bundle, required when their importer runs (see the header). */
const EXTERNAL = ['koffi', '@hpcc-js/wasm-graphviz', 'prom-client', 'yaml', 'bcryptjs'];

/** The built-in modules a bare `node` has loaded when its first script runs: requiring them costs nothing. */
function loadedByNode() {
  const r = spawnSync(
    process.execPath,
    ['-e', "require('node:fs').writeSync(3, JSON.stringify(process.moduleLoadList))"],
    { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`node -e exited with ${r.status ?? r.signal}`);
  const prefix = 'NativeModule ';
  return new Set(
    JSON.parse(r.output[3])
      .filter((m) => m.startsWith(prefix))
      .map((m) => m.slice(prefix.length)),
  );
}

const requireHere = createRequire(import.meta.url);

/**
 * A built-in module that Node's start-up has not loaded, and whose exports are an object other than a
 * global's, is replaced by a stand-in with the same export names (read from the building Node), each a
 * getter that requires the module at its first use. Bundled code reads an import's export at each use
 * (`(0, import_x.spawn)(…)`), and esbuild's interop copies getters as getters, so nothing is loaded before
 * a scan really needs it.
 */
const deferBuiltins = {
  name: 'defer-builtins',
  setup(build) {
    const loaded = loadedByNode();
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'deferred-builtin') return undefined; // the stand-in's own require
      if (args.kind !== 'import-statement' && args.kind !== 'require-call') return undefined;
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name) || loaded.has(name)) return undefined;
      const exports = requireHere(`node:${name}`);
      // A function cannot stand in for a function; node:process is the `process` every module has.
      if (typeof exports !== 'object' || exports === globalThis[name]) return undefined;
      return { path: `node:${name}`, namespace: 'deferred-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'deferred-builtin' }, (args) => {
      const id = JSON.stringify(args.path);
      const getters = Object.keys(requireHere(args.path)).map(
        (key) => `  ${JSON.stringify(key)}: { enumerable: true, get: () => load()[${JSON.stringify(key)}] },`,
      );
      return {
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${id}));`,
          'module.exports = Object.defineProperties({}, {',
          ...getters,
          '});',
        ].join('\n'),
      };
    });
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

/**
 * Makes `file` pure ASCII, which the bin reads as latin1: 1–2 ms less than decoding UTF-8, and a one-byte
 * string for V8. esbuild already escapes every other character in code (its default charset is ASCII);
 * what is left is in comments ("≥ 6.10"), where an escape changes nothing. A line of code with one fails the
 * build rather than be changed.
 */
function asciiOnly(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const escaped = lines.map((line, i) => {
    if (!/[\u0080-\uffff]/.test(line)) return line;
    if (!/^\s*(\/\/|\/\*|\*)/.test(line))
      throw new Error(
        `${file}:${i + 1}: a character outside ASCII in code, not in a comment: ${line.trim()}`,
      );
    return line.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  });
  writeFileSync(file, escaped.join('\n'));
}

const entryPoints = [{ in: join(DIST, 'cli', 'main.js'), out: 'cli' }];
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
const CACHE = join(BIN_DIR, 'cli.js.cache');
rmSync(CACHE, { force: true }); // made again below, for this bundle
await build({
  entryPoints,
  outdir: BIN_DIR,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  // Strict as the ES modules it is made of: a banner comes before esbuild's own "use strict".
  banner: { js: "'use strict';\nconst __kcmpFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__kcmpFileUrl' },
  plugins: [deferBuiltins, lazyStringWidth],
  logLevel: 'warning',
});
asciiOnly(join(BIN_DIR, 'cli.js'));
writeFileSync(join(BIN_DIR, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
const BIN = join(BIN_DIR, 'kcmp.js');
copyFileSync(join(SRC, 'cli', 'bin.cjs'), BIN);
chmodSync(BIN, 0o755);

// Under the flags the bin gives Node: V8 takes a code cache only in a process with the flags it was made in.
const trained = spawnSync(process.execPath, [...binNodeFlags(BIN), join(ROOT, 'scripts', 'code-cache.mjs')], {
  encoding: 'utf8',
});
if (trained.status !== 0 || !existsSync(CACHE))
  process.stderr.write(
    `bundle: no code cache (the bin works, ~20 ms slower to start): code-cache.mjs exited with ${trained.status ?? trained.signal}: ${trained.stderr}\n`,
  );
