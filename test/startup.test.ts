/**
 * What the bin loads and compiles before it does anything (src/cli/bin.cjs, scripts/bundle.mjs): the
 * bundle from the code cache the build made, a stale cache never, and no built-in module or native binding
 * a command does not use. Checked on what the process loaded, never on how long it took.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { binNodeFlags } from '../scripts/bin-flags.mjs';
import { mkfds } from './fixture/mkfds.js';
import { runBin } from './helpers/bin-loads.js';
import { CLI } from './helpers/cli.js';
import { ROOT } from './helpers/schema.js';

/** The built-in modules `node -e` has loaded when its code starts (runBin runs the bin so). */
const NODE_E_LOADS = (
  JSON.parse(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.moduleLoadList))'], {
      encoding: 'utf8',
    }).stdout,
  ) as string[]
).map((m) => m.replace(/^NativeModule /, ''));

test('the bin runs the bundle from the code cache the build made', () => {
  const run = runBin(CLI, ['--version']);
  assert.equal(run.code, 0);
  assert.equal(run.cachedDataRejected, false, 'a cache was given to V8, and V8 took it');
});

test('run as a program through a symlink, as npm links it, the bin gives Node its heap flag and runs from the cache', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-startup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'kcmp');
  symlinkSync(CLI, link);
  // Node's own options reach the process through NODE_OPTIONS without becoming V8 flags (or execArgv).
  const probe = join(dir, 'probe.cjs');
  writeFileSync(
    probe,
    `const fs = require('node:fs');
    process.on('exit', () => fs.writeSync(3, JSON.stringify({
      execArgv: process.execArgv,
      cachedDataRejected: require.cache[fs.realpathSync(process.argv[1])]?.exports?.script?.cachedDataRejected ?? null,
    })));`,
  );
  const r = spawnSync(link, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    // The bin execs the `node` on PATH, as `#!/usr/bin/env node` did: this one.
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      NODE_OPTIONS: `--require=${probe}`,
    },
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'sh ran line 2 as one no-op and one exec');
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  const seen = JSON.parse(r.output[3] ?? '');
  assert.deepEqual(seen.execArgv, ['--max-semi-space-size=4'], 'the flag reached Node');
  assert.deepEqual(binNodeFlags(CLI), seen.execArgv, 'the flags the build made the cache with');
  assert.equal(seen.cachedDataRejected, false, 'V8 took the cache under the flag');
});

test('a cache made from another bundle is not used: a bundle edited to the same length runs as edited', (t) => {
  // A copy of the package as the bin sees it: dist/bin/ two levels below package.json and node_modules.
  const root = mkdtempSync(join(tmpdir(), 'kcmp-startup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const bin = join(root, 'dist', 'bin');
  cpSync(dirname(CLI), bin, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  assert.equal(
    runBin(join(bin, 'kcmp.js'), ['--version']).cachedDataRejected,
    false,
    'the copy uses its cache',
  );

  // V8 checks only the source's length: the cache's bytecode would still say "answers".
  const cli = join(bin, 'cli.js');
  const said = 'kcmp answers, with the kcmp(2) system call';
  const source = readFileSync(cli, 'latin1');
  assert.ok(source.includes(said), 'the description is in the bundle');
  writeFileSync(cli, source.replace(said, said.toUpperCase()), 'latin1');
  const run = runBin(join(bin, 'kcmp.js'), ['--help']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.cachedDataRejected, null, 'no cache was given: it was made from another cli.js');
  assert.match(run.stdout, /KCMP ANSWERS, WITH THE KCMP\(2\) SYSTEM CALL/);
});

test('kcmp --version loads no native binding; a plain fds table, none of the built-ins it does not use', async (t) => {
  const version = runBin(CLI, ['--version']);
  assert.equal(version.code, 0);
  assert.deepEqual(
    version.files.filter((f) => f.includes('koffi')),
    [],
    'the open-file limit is read from /proc, not with getrlimit through koffi',
  );

  const f = await mkfds(t, 'fork');
  if (!f) return;
  const table = runBin(CLI, ['fds', '-p', String(f.pids.main)]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^DESC +PID +COMMAND/);
  assert.ok(
    table.files.some((file) => file.includes('koffi')),
    'kcmp ran: the check above would pass without it',
  );
  // Needed elsewhere only: --stop's watchdog and the probe child under a seccomp filter, the exporter's
  // server; the ES module resolver only to look up a package by its exports map; perf_hooks by nothing
  // (durations are read from util/clock.ts). (worker_threads is loaded all the same here: this run's stdio
  // are sockets, so the SIGUSR1 guard loads node:inspector, which requires it; see the test below.)
  for (const unused of [
    'child_process',
    'perf_hooks',
    'dgram',
    'http',
    'https',
    'tls',
    'crypto',
    'internal/modules/esm/resolve',
  ]) {
    // Node 24's `node -e` loads the ES module resolver before any code of ours: not ours to avoid.
    if (NODE_E_LOADS.includes(unused))
      t.diagnostic(`Node ${process.version}'s node -e loads ${unused} itself`);
    else assert.ok(!table.builtins.includes(unused), `kcmp fds -p PID loaded ${unused}`);
  }
});

test('from a shell (stdio a terminal, pipes or files: no socket), a plain fds table loads no node:inspector and no streams', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-startup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // What the process loaded, written to a file: a pipe from this test would be a socket (libuv's
  // socketpair), and the SIGUSR1 guard loads node:inspector wherever the process holds a socket.
  const probe = join(dir, 'probe.cjs');
  const report = join(dir, 'loaded.json');
  writeFileSync(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)},
      JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)))));`,
  );
  const [out, err] = ['out', 'err'].map((name) => openSync(join(dir, name), 'w'));
  const r = spawnSync(CLI, ['fds', '-p', String(f.pids.main)], {
    stdio: ['ignore', out, err],
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      NODE_OPTIONS: `--require=${probe}`,
    },
    timeout: 30_000,
  });
  for (const fd of [out, err]) closeSync(fd as number);
  assert.equal(r.status, 0, readFileSync(join(dir, 'err'), 'utf8'));
  assert.match(readFileSync(join(dir, 'out'), 'utf8'), /^DESC +PID +COMMAND/);
  const builtins = JSON.parse(readFileSync(report, 'utf8')) as string[];
  assert.ok(builtins.includes('fs'), 'the probe saw the run');
  // Nor Node's streams: the output is written to fd 1 with write(2), and neither process.stdout nor
  // process.stderr (node:assert's colours ask it at load) is built where nothing needs them (run.ts `out`).
  for (const unused of ['inspector', 'worker_threads', 'stream', 'assert'])
    assert.ok(!builtins.includes(unused), `kcmp fds -p PID loaded ${unused}`);
});
