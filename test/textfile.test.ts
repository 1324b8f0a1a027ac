/**
 * `kcmp metrics --textfile` as root in a directory another user can write (node_exporter's textfile
 * directory is often its user's): nobody plants symlinks at every temporary name the old code could pick,
 * a symlink as a directory of the path; a FIFO, a device node, a symlink or a directory sits at the target.
 * Root must never write through a link nor replace what is not a regular file; the victim (a file this
 * test made, never a system file) stays as it was; no temporary file is left. Bad paths are one line and
 * exit 2, and label values printed on a terminal are escaped. Runs as root (skipped otherwise).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { CLI, runCli } from './helpers/cli.js';
import { NOBODY } from './helpers/nobody.js';

const NOBODY_UID = 65534;
const VICTIM = 'the victim, as the test wrote it\n';

type Context = Parameters<typeof mkfds>[0] & { skip(message: string): void };

/** Why this test cannot play the attacker here, or undefined. */
function cannotAttack(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: the attack is on what root writes';
  if (spawnSync(NOBODY[0], ['--version']).status !== 0) return `${NOBODY[0]} is not installed`;
  return undefined;
}

/** A fresh directory, removed after the test; owned by nobody (as node_exporter's user owns its own). */
function directory(t: Context, owner = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-textfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  chownSync(dir, owner, owner);
  return dir;
}

/** A root-owned directory holding `name`, the file the attacker wants root to overwrite. */
function victim(t: Context, name = 'victim'): string {
  const path = join(directory(t), name);
  writeFileSync(path, VICTIM, { mode: 0o644 });
  return path;
}

/** Runs `script` (a node -e body; argv from process.argv[1]) as nobody; it must succeed. */
function asNobody(script: string, ...args: string[]): void {
  const r = spawnSync(NOBODY[0], [...NOBODY.slice(1), process.execPath, '-e', script, ...args], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `as nobody: ${r.stderr}`);
}

function metrics(pid: number, textfile: string) {
  return runCli(['metrics', '-p', String(pid), '--textfile', textfile]);
}

/**
 * The stage of each attack: a process to scan, a directory nobody owns (as node_exporter's user owns its
 * own) and a victim file named `victimName` in a directory of root's. Null (the test skipped) when the
 * attacker cannot be played here.
 */
async function stage(
  t: Context,
  victimName?: string,
): Promise<{ pid: number; dir: string; target: string } | null> {
  const why = cannotAttack();
  if (why) {
    t.skip(why);
    return null;
  }
  const f = await mkfds(t, 'fork');
  if (!f) return null;
  return { pid: f.pids.main as number, dir: directory(t, NOBODY_UID), target: victim(t, victimName) };
}

test('--textfile: symlinks planted at every temporary name the pid could give are never written through', async (t) => {
  const staged = await stage(t);
  if (!staged) return;
  const { pid, dir, target } = staged;
  // The pids the next processes will get (the planter's own among them): up to pid_max, then from 300.
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  asNobody(
    `const [dir, target, last, max] = process.argv.slice(1);
     for (let i = 1; i <= 1000; i++) {
       const pid = +last + i < +max ? +last + i : 300 + +last + i - +max;
       require('fs').symlinkSync(target, dir + '/.kcmp.prom.' + pid + '.tmp');
     }`,
    dir,
    target,
    String(last),
    String(max),
  );
  const r = metrics(pid, join(dir, 'kcmp.prom'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(target, 'utf8'), VICTIM, 'the victim is unchanged');
  assert.ok(lstatSync(join(dir, 'kcmp.prom')).isFile(), 'the target is a regular file');
  assert.match(readFileSync(join(dir, 'kcmp.prom'), 'utf8'), /^kcmp_scan_processes 1$/m);
  const others = readdirSync(dir).filter((name) => name !== 'kcmp.prom');
  assert.equal(others.length, 1000, 'the planted links are all there, and no temporary file is left');
  for (const name of others) assert.equal(readlinkSync(join(dir, name)), target);
});

test('--textfile: a FIFO, a device node, a symlink or a directory at the target is refused and left as it was', async (t) => {
  const staged = await stage(t);
  if (!staged) return;
  const { pid, dir, target } = staged;
  // What nobody can plant in its directory, then what only root can make there (a device node: CAP_MKNOD).
  asNobody(
    `const [dir, target] = process.argv.slice(1);
     require('fs').symlinkSync(target, dir + '/link.prom');
     require('fs').mkdirSync(dir + '/dir.prom');
     require('child_process').execFileSync('mkfifo', [dir + '/fifo.prom']);`,
    dir,
    target,
  );
  const device = spawnSync('mknod', [join(dir, 'full.prom'), 'c', '1', '7']).status === 0; // as /dev/full
  if (!device) t.diagnostic('mknod failed (no CAP_MKNOD here?): the device node case is not run');
  const before = new Map(readdirSync(dir).map((name) => [name, lstatSync(join(dir, name))]));
  const cases = [
    ['link.prom', 'a symbolic link'],
    ['dir.prom', 'a directory'],
    ['fifo.prom', 'a FIFO'],
    ...(device ? [['full.prom', 'a character device']] : []),
  ] as const;
  for (const [name, kind] of cases) {
    const r = metrics(pid, join(dir, name));
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.equal(
      r.stderr,
      `kcmp: cannot write ${join(dir, name)}: it is ${kind}, and only a regular file is replaced; ` +
        'name a regular file, or one that does not exist yet\n',
    );
  }
  assert.equal(readFileSync(target, 'utf8'), VICTIM, 'the victim is unchanged');
  const after = new Map(readdirSync(dir).map((name) => [name, lstatSync(join(dir, name))]));
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no temporary file is left');
  for (const [name, st] of before) {
    const now = after.get(name);
    assert.deepEqual([now?.ino, now?.mode, now?.rdev], [st.ino, st.mode, st.rdev], `${name} is untouched`);
  }
  assert.equal(readlinkSync(join(dir, 'link.prom')), target);
});

test("--textfile: a directory of the path that is a symlink another user owns is not followed; root's own is", async (t) => {
  const staged = await stage(t, 'kcmp.prom');
  if (!staged) return;
  const { pid, dir, target } = staged;
  const victimDir = join(target, '..');
  asNobody("require('fs').symlinkSync(process.argv[2], process.argv[1])", join(dir, 'textfile'), victimDir);
  const refused = metrics(pid, join(dir, 'textfile', 'kcmp.prom'));
  assert.equal(refused.code, 2, refused.stderr);
  assert.equal(
    refused.stderr,
    `kcmp: cannot write in ${join(dir, 'textfile')}: refusing to follow ${join(dir, 'textfile')}, a symbolic ` +
      `link owned by uid ${NOBODY_UID} (neither root nor you); whoever could plant it could send the write ` +
      'anywhere; give a path without it\n',
  );
  assert.equal(readFileSync(target, 'utf8'), VICTIM, 'the victim is unchanged');
  assert.deepEqual(readdirSync(victimDir), ['kcmp.prom'], 'no temporary file is left');
  // The same link made by root (as an admin's /var/run -> /run) is followed, and the file replaced.
  const mine = directory(t);
  symlinkSync(victimDir, join(mine, 'textfile'));
  const followed = metrics(pid, join(mine, 'textfile', 'kcmp.prom'));
  assert.equal(followed.code, 0, followed.stderr);
  assert.match(readFileSync(target, 'utf8'), /^kcmp_scan_processes 1$/m);
  assert.deepEqual(readdirSync(victimDir), ['kcmp.prom']);
});

test('--textfile: a path that names no file, or a missing directory, is one line and exit 2', () => {
  const cases = [
    ['', /^kcmp: invalid --textfile "": an empty path; give the file to replace, e\.g\. \S+\n$/],
    [
      '/',
      /^kcmp: invalid --textfile "\/": it names a directory, not a file; give the file to replace, e\.g\. /,
    ],
    [
      '/nonexistent/x',
      /^kcmp: cannot write in \/nonexistent: open\(\/nonexistent\) failed: ENOENT \(no such/,
    ],
    [tmpdir(), /^kcmp: cannot write \S+: it is a directory, and only a regular file is replaced; /],
  ] as const;
  for (const [path, message] of cases) {
    // -p of this test's own pid: each is refused before any scan.
    const r = runCli(['metrics', '-p', String(process.pid), '--textfile', path]);
    assert.equal(r.code, 2, `${JSON.stringify(path)}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    assert.equal(r.stdout, '');
  }
});

test('metrics on a terminal escapes control characters in label values; a pipe gets them as they are', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) return t.skip('script(1) is not installed');
  const f = await mkfds(t, 'names'); // its child's comm is "\e[2J\rkid\xff"
  if (!f) return;
  const args = ['metrics', '--group-by', 'comm', '-p', String(f.pids.child)];
  const command = `"${process.execPath}" "${CLI}" ${args.join(' ')}`;
  const terminal = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(terminal.status, 0, terminal.stdout + terminal.stderr);
  assert.ok(!terminal.stdout.includes('\x1b'), 'no raw ESC reaches the terminal');
  assert.match(terminal.stdout, /^process_unix_file_descriptors\{group="\\x1b\[2J\\x0dkid\\xff",/m);
  const piped = runCli(args);
  assert.equal(piped.code, 0, piped.stderr);
  const raw = 'process_unix_file_descriptors{group="\x1b[2J\rkid\ufffd",';
  assert.ok(piped.stdout.includes(raw), `the text format as it is:\n${piped.stdout}`);
});
