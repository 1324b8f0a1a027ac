/**
 * What the bin loads and compiles before it does anything (src/cli/bin.cjs, scripts/bundle.mjs): the
 * bundle from the code cache the build made, a stale cache never, and no built-in module or native binding
 * a command does not use. Checked on what the process loaded, never on how long it took.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import * as vm from 'node:vm';
import { mkfds } from './fixture/mkfds.js';
import { CLI } from './helpers/cli.js';
import { ROOT } from './helpers/schema.js';

/** What a run of the bin (under `node -e`) loaded, written on fd 3 as it exits. */
interface Loaded {
  /** Node's built-in modules, as process.moduleLoadList names them ("child_process", "internal/…"). */
  builtins: string[];
  /** The files required through Node's CommonJS loader (the bin itself, koffi). */
  files: string[];
  /** The bundle's vm.Script: whether V8 refused the code cache (undefined: none was given). */
  cachedDataRejected: boolean | null | undefined;
  stdout: string;
  stderr: string;
  code: number | null;
}

function runBin(bin: string, args: string[]): Loaded {
  const probe = `
    const fs = require('node:fs');
    process.argv = [process.execPath, ${JSON.stringify(bin)}, ...${JSON.stringify(args)}];
    const script = require(${JSON.stringify(bin)});
    process.on('exit', () => fs.writeSync(3, JSON.stringify({
      builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
      files: Object.keys(require.cache),
      cachedDataRejected: script.cachedDataRejected ?? null,
    })));`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const fd3 = r.output[3];
  assert.ok(fd3, `kcmp ${args.join(' ')} said nothing on fd 3 (exit ${r.status}): ${r.stderr}`);
  return { ...JSON.parse(fd3), stdout: r.stdout, stderr: r.stderr, code: r.status };
}

/** The bin reads its code cache only where vm.Script can run the bundle's import() (Node ≥ 20.12). */
function noCacheHere(t: TestContext): boolean {
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined) return false;
  t.skip(`Node ${process.version} has no vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER: the bin runs uncached`);
  return true;
}

test('the bin runs the bundle from the code cache the build made', (t) => {
  if (noCacheHere(t)) return;
  const run = runBin(CLI, ['--version']);
  assert.equal(run.code, 0);
  assert.equal(run.cachedDataRejected, false, 'a cache was given to V8, and V8 took it');
});

test('a cache older than the bundle is not used: a bundle edited to the same length runs as edited', (t) => {
  if (noCacheHere(t)) return;
  // A copy of the package as the bin sees it: dist/bin/ two levels below package.json and node_modules.
  const root = mkdtempSync(join(tmpdir(), 'kcmp-startup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const bin = join(root, 'dist', 'bin');
  cpSync(dirname(CLI), bin, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  const cli = join(bin, 'cli.js');
  const cache = `${cli}.cache`;
  const old = new Date(Date.now() - 60_000);
  utimesSync(cli, old, old);
  utimesSync(cache, old, old);
  assert.equal(runBin(join(bin, 'kcmp.js'), ['--version']).cachedDataRejected, false, 'the copy uses its cache');

  // V8 checks only the source's length: the cache's bytecode would still say "answers".
  const said = 'kcmp answers, with the kcmp(2) system call';
  const source = readFileSync(cli, 'latin1');
  assert.ok(source.includes(said), 'the description is in the bundle');
  writeFileSync(cli, source.replace(said, said.toUpperCase()), 'latin1');
  const run = runBin(join(bin, 'kcmp.js'), ['--help']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.cachedDataRejected, null, 'no cache was given: it is older than the bundle');
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
  // server; the ES module resolver only to look up a package by its exports map. (worker_threads is
  // loaded all the same: node:inspector, which the SIGUSR1 guard needs, requires it.)
  for (const unused of [
    'child_process',
    'dgram',
    'http',
    'https',
    'tls',
    'crypto',
    'internal/modules/esm/resolve',
  ])
    assert.ok(!table.builtins.includes(unused), `kcmp fds -p PID loaded ${unused}`);
});
