#!/bin/sh
":" //; exec node --max-semi-space-size=4 "$0" "$@"
/**
 * The first two lines are read by two languages. Run as a program (npm's symlink in node_modules/.bin, a
 * global install's, `npx kcmp`, the container's ENTRYPOINT), the kernel hands this file to /bin/sh, which
 * runs `":"` (the no-op command) and execs Node with the flags below, this file, and the arguments; Node
 * reads the same line as a string statement and a comment. `node dist/bin/kcmp.js` skips that line: it
 * runs without the flags (and V8 turns the code cache below away: see "flags").
 *
 * --max-semi-space-size=4 (MiB: the young generation's two semi-spaces, which V8 otherwise lets grow
 * several times larger, sized from the heap limit): a whole-machine `kcmp fds --all --json` allocates its
 * rows and report faster than a scavenge can free them, and each grown semi-space stays resident. At
 * 100,000 fds (10 × 10,000, most descriptions held once), paired runs: peak RSS 188–200 MiB → 150–152
 * (auto: bpf), 183–197 → 143–157 (--engine kcmp), no slower; 2 MiB measured ~3 MiB lower, within the
 * spread, and 1 MiB higher (objects promoted sooner). What it costs a short command: V8 takes a code cache
 * only under the flags it was made with, and Node's embedded cache of its own built-in modules was made
 * with none, so each built-in module a command loads beyond Node's start-up snapshot is compiled from
 * source (stream, assert, inspector, os, vm: 2.5 ms → 9–12 ms): `kcmp fds -p PID` takes 1.08× the time
 * without the flag, per round (interquartile 1.00–1.15, 60 rounds, load 2.2). The /bin/sh itself: 0.99×
 * `node FLAGS BIN`.
 * V8 sizes its heap when the isolate is made: v8.setFlagsFromString() afterwards changes nothing, so the
 * flag must be on Node's command line. Worker threads (the fd scan's) take it too, V8's flags being the
 * process's: a Worker's new space peaked at 8 MiB with it, 32 without (Node 20; no resourceLimits given).
 *
 * Why /bin/sh and not `#!/usr/bin/env -S node --max-semi-space-size=4`: the kernel passes everything after
 * the interpreter as ONE argument, and only GNU coreutils' env (8.30 and later) splits it with -S; BusyBox's
 * env (Alpine's /usr/bin/env: options -i, -u and nothing else) and toybox's fail on -S. Every Linux has a
 * POSIX /bin/sh (dash, bash, BusyBox ash), and `exec` leaves no shell behind: the process is Node, as
 * `#!/usr/bin/env node` made it, found on PATH the same way. The shell's own cost is measured in
 * bench/README.md ("Start-up"). biome.json leaves this file unformatted: a formatter ends line 2's string
 * with `;`, and sh would then run `//` as a command.
 *
 * The kcmp bin, dist/bin/kcmp.js (scripts/bundle.mjs copies it there): runs the bundled CLI beside it,
 * dist/bin/cli.js, from V8's code cache of it, dist/bin/cli.js.cache, made when the package is built.
 *
 * Why: compiling the 600 kB bundle, then each function a command runs, took about a third of a short
 * command's time above Node's own start (bench/README.md, "Start-up"). A code cache holds that bytecode.
 * Node 22.1+ has module.enableCompileCache(), which writes its cache while commands run; kcmp, run as root
 * on shared machines, writes none: this one is made by the build (a `kcmp fds` run, so it holds what that
 * run compiled: scripts/code-cache.mjs) and lives beside the code, which is as far as it is trusted.
 *
 * The cache file holds the bundle it was made from, then V8's data: it is used only when that copy is
 * cli.js byte for byte (one memcmp) and V8 accepts it (the same V8 version and flags: the build makes it
 * with the flags of line 2, scripts/code-cache.mjs). V8 itself compares only the source's length, so a
 * cli.js rebuilt or edited since would otherwise run the cache's old bytecode; timestamps cannot tell (npm
 * installs files in any order, with the time of the install).
 * Without a cache, or one for another bundle, or one V8 refuses, cli.js is compiled.
 *
 * CommonJS, where the rest of kcmp is ES modules: Node's ES module loader costs ~5 ms more to start, even
 * for an empty module, and only a classic script (vm.Script) takes a code cache without an experimental
 * flag. Code V8 takes from a cache has no dynamic-import callback of Node's, so the bundle's one import()
 * of a package (the graph layout engine, an ES module only) goes through this file's own, handed over under
 * Symbol.for('kcmp.import') (src/util/dynamic-import.ts).
 */
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const CLI = join(__dirname, 'cli.js');
const CACHE = `${CLI}.cache`;

/** V8's data from the cache file, if that file was made from `source` (see the header for its layout). */
function cachedDataFor(source) {
  let cache;
  try {
    cache = readFileSync(CACHE);
  } catch {
    return undefined; // none (a build without it), or unreadable: compile
  }
  const length = cache.length >= 4 ? cache.readUInt32LE(0) : -1;
  const made = length === source.length && source.equals(cache.subarray(4, 4 + length));
  return made ? cache.subarray(4 + length) : undefined;
}

/** The cache file's bytes for `script`, compiled from `source`: its length, itself, then V8's data. */
function codeCacheOf(source, script) {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(source.length);
  return Buffer.concat([length, source, script.createCachedData()]);
}

globalThis[Symbol.for('kcmp.import')] = (specifier) => import(specifier);
const source = readFileSync(CLI);
// Compiled as Node compiles a CommonJS file: the same wrapper, so `require` and `module` work. The build
// made cli.js pure ASCII (scripts/bundle.mjs), so latin1 reads it exactly, faster than UTF-8.
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${source.toString('latin1')}\n})`,
  { filename: CLI, cachedData: cachedDataFor(source) },
);
// For scripts/code-cache.mjs, which requires this file to run a command, then saves codeCache().
module.exports = { script, codeCache: () => codeCacheOf(source, script) };
const cli = { exports: {} };
script.runInThisContext()(cli.exports, createRequire(CLI), cli, CLI, __dirname);
