#!/usr/bin/env node
/**
 * The kcmp bin, dist/bin/kcmp.js (scripts/bundle.mjs copies it there): runs the bundled CLI beside it,
 * dist/bin/cli.js, from V8's code cache of it, dist/bin/cli.js.cache, made when the package is built.
 *
 * Why: compiling the 600 kB bundle, then each function a command runs, took about a third of a short
 * command's time above Node's own start (bench/README.md, "Start-up"). A code cache holds that bytecode.
 * Node 22.1+ has module.enableCompileCache(), which writes its cache while commands run; kcmp, run as root
 * on shared machines, writes none: this one is made by the build (a `kcmp fds` run, so it holds what that
 * run compiled: scripts/code-cache.cjs) and lives beside the code, which is as far as it is trusted.
 *
 * The cache is used when V8 accepts it (the same V8 version and flags, a source of the same length) and
 * it is not older than cli.js: V8 compares only the source's length, so a cli.js rebuilt or edited since
 * would otherwise run the cache's old bytecode. Without it, or when V8 refuses it, cli.js is compiled.
 *
 * CommonJS, where the rest of kcmp is ES modules: Node's ES module loader costs ~5 ms more to start, even
 * for an empty module, and only a classic script (vm.Script) takes a code cache without an experimental
 * flag. Its dynamic import() needs vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER (Node ≥ 20.12); on older
 * releases cli.js is required as any CommonJS file, without the cache.
 */
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script, constants } = require('node:vm');

const CLI = join(__dirname, 'cli.js');
const CACHE = `${CLI}.cache`;

/** The cache's bytes, if it exists and is not older than cli.js. */
function codeCache() {
  try {
    return statSync(CACHE).mtimeMs >= statSync(CLI).mtimeMs ? readFileSync(CACHE) : undefined;
  } catch {
    return undefined; // none (a build without it), or unreadable: compile
  }
}

/**
 * cli.js compiled as Node compiles a CommonJS file: the same wrapper, so `require` and `module` work. The
 * build made it pure ASCII (scripts/bundle.mjs), so latin1 reads it exactly, faster than UTF-8.
 */
function compile() {
  return new Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(CLI, 'latin1')}\n})`,
    {
      filename: CLI,
      cachedData: codeCache(),
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
}

if (constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER === undefined) {
  require(CLI);
} else {
  const script = compile();
  // For scripts/code-cache.cjs, which requires this file to run a command and then saves the cache.
  module.exports = script;
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, createRequire(CLI), cli, CLI, __dirname);
}
