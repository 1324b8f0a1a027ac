/**
 * The package as a user installs it: `npm pack` of the built tree, installed into a fresh project with
 * `--ignore-scripts` (so neither our `prepare` nor koffi's install script runs — koffi ships prebuilt
 * binaries), then used from an ES module, from CommonJS, from strict TypeScript (both module kinds) and as
 * the CLI in node_modules/.bin. Dependencies come from npm's cache, which `npm ci` filled. And the README's
 * first two commands as written: the global install from a clone (into a temporary prefix), with its man
 * pages, then the first scan.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runBin } from './helpers/bin-loads.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function run(cwd: string, file: string, args: string[]): string {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${file} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const CONSUMER_ESM = `
import { kcmp, ProcessGoneError, sameFile } from 'kcmp';
const order: 'equal' | 'less' | 'greater' | 'unordered' = kcmp(process.pid, process.pid, 'vm');
let code: string | undefined;
try { sameFile({ pid: 2147483647, fd: 0 }, { pid: process.pid, fd: 0 }); }
catch (e) { if (e instanceof ProcessGoneError) code = e.code; }
console.log(order, code);
`;

const CONSUMER_CJS = `
import kcmpModule = require('kcmp');
const { kcmp, ProcessGoneError, sameFile } = kcmpModule;
const order: 'equal' | 'less' | 'greater' | 'unordered' = kcmp(process.pid, process.pid, 'vm');
let code: string | undefined;
try { sameFile({ pid: 2147483647, fd: 0 }, { pid: process.pid, fd: 0 }); }
catch (e) { if (e instanceof ProcessGoneError) code = e.code; }
console.log(order, code);
`;

test('npm pack installs into a fresh project: ESM, CommonJS, strict TypeScript and the CLI work', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kcmp-pack-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const files = (packed[0]?.files ?? []).map((f) => f.path);
  for (const wanted of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'dist/index.js',
    'dist/index.cjs',
    'dist/bin/kcmp.js',
    'dist/bin/fds-worker.js',
    'dist/bin/scan-worker.js',
    'dist/bin/probe-child.js',
    'dist/bin/freeze-watchdog.js',
    'dist/man/kcmp-fds.1',
    'schemas/kcmp.fds-2.json',
  ])
    assert.ok(files.includes(wanted), `the tarball ships ${wanted}`);
  assert.deepEqual(
    files.filter((f) => /\.test\.|^test\/|^src\//.test(f)),
    [],
    'no tests or sources in the tarball',
  );

  const app = join(work, 'app');
  run(work, 'mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run(app, 'npm', [
    'install',
    '--ignore-scripts',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    join(work, packed[0]?.filename ?? ''),
  ]);

  writeFileSync(
    join(app, 'esm.mjs'),
    "import { kcmp } from 'kcmp';\nconsole.log(kcmp(process.pid, process.pid, 'vm'));\n",
  );
  assert.equal(run(app, process.execPath, ['esm.mjs']), 'equal\n');
  writeFileSync(
    join(app, 'cjs.cjs'),
    "const { kcmp, isKcmpError } = require('kcmp');\nconsole.log(kcmp(process.pid, process.pid, 'vm'), typeof isKcmpError);\n",
  );
  assert.equal(run(app, process.execPath, ['cjs.cjs']), 'equal function\n');

  writeFileSync(join(app, 'esm-consumer.mts'), CONSUMER_ESM);
  writeFileSync(join(app, 'cjs-consumer.cts'), CONSUMER_CJS);
  const strict = ['--strict', '--exactOptionalPropertyTypes', '--noUncheckedIndexedAccess'];
  const common = [
    ...strict,
    '--module',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--skipLibCheck',
    'false',
  ];
  writeFileSync(join(app, 'tsconfig.json'), '{}');
  run(app, process.execPath, [
    TSC,
    ...common,
    '--typeRoots',
    join(ROOT, 'node_modules', '@types'),
    'esm-consumer.mts',
    'cjs-consumer.cts',
  ]);
  assert.equal(run(app, process.execPath, ['esm-consumer.mjs']), 'equal ESRCH\n');
  assert.equal(run(app, process.execPath, ['cjs-consumer.cjs']), 'equal ESRCH\n');

  const bin = join(app, 'node_modules', '.bin', 'kcmp');
  assert.equal(
    realpathSync(bin),
    join(realpathSync(app), 'node_modules', 'kcmp', 'dist', 'bin', 'kcmp.js'),
    'the bin is the one-file bundle',
  );
  const version = JSON.parse(execFileSync('npm', ['pkg', 'get', 'version'], { cwd: ROOT, encoding: 'utf8' }));
  assert.equal(run(app, bin, ['--version']).trim(), version);
  // npm's tarball gives every file one mtime: the bundle's code cache is not older than the bundle.
  assert.equal(runBin(bin, ['--version']).cachedDataRejected, false, 'the installed bin uses its code cache');
  assert.equal(run(app, bin, ['raw', String(process.pid), String(process.pid), 'vm']).trim(), 'equal');
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  const scanned = JSON.parse(run(app, bin, ['fds', '-p', String(sleeper.pid), '--all', '--json']));
  assert.deepEqual(
    scanned.processes.map((p: { pid: number }) => p.pid),
    [sleeper.pid],
    'kcmp fds from the installed bin scans the one process asked for',
  );
  assert.ok(scanned.stats.fds >= 3, `the sleeper's stdio at least: ${JSON.stringify(scanned.stats)}`);
  assert.ok(readdirSync(join(app, 'node_modules', 'kcmp', 'dist')).includes('index.cjs'));
});

/** The first `sh` block of README.md: the install, then the first command. */
function readmeFirstCommands(): [string, string] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(readme)?.[1] ?? '';
  const [install, first] = block.split('\n').map((line) => line.replace(/\s+#.*$/, ''));
  return [install ?? '', first ?? ''];
}

test("the README's first two commands work as written: the install from a clone (man pages too), then the first scan", (t) => {
  const [install, first] = readmeFirstCommands();
  // `npm ci` ran before the suite (it built dist/ and filled npm's cache): the rest runs as written, with
  // npm's global prefix in a temporary directory instead of /usr.
  assert.match(install, /^npm ci && /, 'the install that works today, from a clone, comes first');
  const prefix = mkdtempSync(join(tmpdir(), 'kcmp-global-'));
  t.after(() => rmSync(prefix, { recursive: true, force: true }));
  t.after(() => {
    for (const f of readdirSync(ROOT)) if (/^kcmp-.*\.tgz$/.test(f)) rmSync(join(ROOT, f));
  });
  const env = { ...process.env, npm_config_prefix: prefix, npm_config_prefer_offline: 'true' };
  const installed = spawnSync('sh', ['-c', install.replace(/^npm ci && /, '')], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(installed.status, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /npm warn/);
  const path = `${join(prefix, 'bin')}:${process.env.PATH}`;
  // `$$` is the shell's pid: the tree of the shell that runs the command, which holds that shell's fds.
  const scanned = spawnSync('sh', ['-c', `${first} --all -J`], {
    env: { ...env, PATH: path },
    encoding: 'utf8',
  });
  assert.equal(scanned.status, 0, scanned.stderr);
  const report = JSON.parse(scanned.stdout);
  assert.ok(report.stats.processes >= 1 && report.stats.fds >= 3, JSON.stringify(report.stats));
  const man = spawnSync('man', ['-w', 'kcmp'], {
    env: { ...process.env, MANPATH: join(prefix, 'share', 'man') },
    encoding: 'utf8',
  });
  if (man.error) return t.diagnostic('man(1) is not installed: the page is not looked up');
  assert.equal(man.status, 0, `man kcmp: ${man.stderr}`);
  // npm links the page into the prefix's man1; man names the file the link leads to.
  assert.equal(man.stdout.trim(), realpathSync(join(prefix, 'share', 'man', 'man1', 'kcmp.1')));
});
