/**
 * How the bin loads koffi (src/sys/koffi-module.ts): the platform package's prebuilt `.node` file directly,
 * the one koffi's own loader would pick; koffi's loader whenever that file cannot be trusted to be it.
 * Checked on the files the process required, through the bin, in copies of the package laid out as npm
 * lays them out.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { elfInterpreter } from '../src/sys/koffi-module.js';
import { runBin } from './helpers/bin-loads.js';
import { CLI } from './helpers/cli.js';
import { ROOT } from './helpers/schema.js';

const MODULES = join(ROOT, 'node_modules');
const DIRECT = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch);

/** `kcmp fds -p PID` of a process this test starts, through `bin`: the files it required. */
function filesOfScan(t: TestContext, bin: string): string[] {
  const target = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => target.kill('SIGKILL'));
  const run = runBin(bin, ['fds', '-p', String(target.pid), '--all']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /sleep/, 'the scan ran');
  return run.files;
}

/** A copy of the package's bin, two levels below a node_modules that `layout` fills. */
function packageCopy(t: TestContext, layout: (modules: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'kcmp-koffi-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(dirname(CLI), join(root, 'dist', 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'node_modules'));
  layout(join(root, 'node_modules'));
  return join(root, 'dist', 'bin', 'kcmp.js');
}

test("the ELF interpreter is read as readelf reads it: Node's, and none in a file that is not ELF", (t) => {
  const readelf = spawnSync('readelf', ['-l', process.execPath], { encoding: 'utf8' });
  if (readelf.status !== 0) return t.skip('readelf (binutils) is not installed: nothing to compare with');
  const said = /\[Requesting program interpreter: ([^\]]+)\]/.exec(readelf.stdout)?.[1];
  assert.equal(elfInterpreter(process.execPath), said);
  assert.equal(elfInterpreter(CLI), undefined, 'a script');
  assert.equal(elfInterpreter(join(ROOT, 'no-such-file')), undefined);
});

test("a scan loads koffi's prebuilt binary for this C library directly, not koffi's loader", (t) => {
  if (!DIRECT) return t.skip(`${process.platform}-${process.arch}: koffi's loader picks the file here`);
  const libc = /(^|\/)ld-musl-/.test(elfInterpreter(process.execPath) ?? '') ? 'musl' : 'linux';
  const files = filesOfScan(t, CLI);
  const native = join(
    MODULES,
    '@koromix',
    `koffi-linux-${process.arch}`,
    `${libc}_${process.arch}`,
    'koffi.node',
  );
  assert.ok(files.includes(native), `${native} among ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.endsWith(join('koffi', 'index.cjs'))), "koffi's loader ran");
});

test("without the platform package beside koffi, koffi's loader finds the binary", (t) => {
  // koffi linked in, as a hoisted or linked install may leave it: its own lookup starts from where it is.
  const bin = packageCopy(t, (modules) => symlinkSync(join(MODULES, 'koffi'), join(modules, 'koffi')));
  assert.ok(filesOfScan(t, bin).includes(join(MODULES, 'koffi', 'index.cjs')));
});

test("a platform package of another koffi version is left to koffi's loader", (t) => {
  if (!DIRECT) return t.skip(`${process.platform}-${process.arch}: koffi's loader picks the file here`);
  const bin = packageCopy(t, (modules) => {
    cpSync(join(MODULES, 'koffi'), join(modules, 'koffi'), { recursive: true });
    symlinkSync(join(MODULES, '@koromix'), join(modules, '@koromix'));
    const manifest = join(modules, 'koffi', 'package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify({ ...pkg, version: `${pkg.version}-other` }));
  });
  assert.ok(filesOfScan(t, bin).some((f) => f.endsWith(join('node_modules', 'koffi', 'index.cjs'))));
});
