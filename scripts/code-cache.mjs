#!/usr/bin/env node
/**
 * Makes dist/bin/cli.js.cache, the V8 code cache the bin starts from (src/cli/bin.cjs): runs
 * `kcmp fds -p PID` once through the bin, PID being this process, and saves the cache of the bundle as it
 * is then — with the bytecode of every function that run compiled: the program and its option parser, the
 * fds subcommand, a scan of one process, its table. Other commands compile what they add as before.
 *
 *   node scripts/code-cache.mjs     # run by scripts/bundle.mjs, once the bundle is written
 *
 * V8 takes the cache only in a process with the same V8 version and flags as this one (NODE_OPTIONS
 * included): a build and its runs share the Node that `npm ci` ran, and scripts/bundle.mjs runs this
 * script with the flags the bin gives Node (scripts/bin-flags.mjs). What the scan prints is not kept.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin');
const BIN = join(BIN_DIR, 'kcmp.js');

process.argv = [process.execPath, BIN, 'fds', '-p', String(process.pid)];
// The cache file's bytes, made on demand, or nothing on a Node that runs the bin without a cache.
const { codeCache } = createRequire(import.meta.url)(BIN);
process.on('exit', (code) => {
  if (codeCache === undefined) {
    process.stderr.write(`code-cache: Node ${process.version} runs the bin without a code cache\n`);
    process.exitCode = 1;
  } else if (code === 0) {
    writeFileSync(join(BIN_DIR, 'cli.js.cache'), codeCache());
  }
});
