/**
 * sameFile() / sameTaskResource() and `kcmp same`: every method of the fallback chain on real processes,
 * exit codes 0/1/2 like cmp(1), the kcmp.same/1 JSON, and one-line errors for gone processes, zombies
 * and closed fds. Blocked-kcmp behaviour is in seccomp.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { sameFile } from '../src/compare/same-file.js';
import { sameTaskResource } from '../src/compare/same-task.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { borrowFd, pick } from './helpers/kernel.js';
import { NOBODY, nobodyWrapper } from './helpers/nobody.js';

const self = process.pid;
const ONE_LINE = /^kcmp: [^\n]+\n$/;

test('sameFile: identical, kcmp, different-inode and socket-inode across processes', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const fd = pick(f.fds, 'shared', 'childOwn', 'pipeRead', 'pipeWrite', 'sock0', 'sock1');
  const same = (a: number, pa: number, b: number, pb: number) =>
    sameFile({ pid: pa, fd: a }, { pid: pb, fd: b });
  assert.deepEqual(same(fd.shared, main, fd.shared, main), { same: true, method: 'identical' });
  assert.deepEqual(same(fd.shared, main, fd.shared, child), { same: true, method: 'kcmp' });
  assert.deepEqual(same(fd.shared, main, fd.childOwn, child), { same: false, method: 'kcmp' });
  assert.deepEqual(same(fd.pipeRead, main, fd.pipeWrite, child), { same: false, method: 'kcmp' });
  assert.deepEqual(same(fd.shared, main, fd.pipeRead, child), { same: false, method: 'different-inode' });
  assert.deepEqual(same(fd.sock0, main, fd.sock0, child), { same: true, method: 'socket-inode' });
  assert.deepEqual(same(fd.sock0, main, fd.sock1, child), { same: false, method: 'different-inode' });
});

test('sameFile: two fds of our own process are compared with F_DUPFD_QUERY', async (t) => {
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const fd = pick(f.fds, 'file', 'dup', 'otherOpen');
  const [file, dup, other] = [fd.file, fd.dup, fd.otherOpen].map((n) => borrowFd(t, main, n)) as [
    number,
    number,
    number,
  ];
  const ours = (a: number, b: number) => sameFile({ pid: self, fd: a }, { pid: self, fd: b });
  assert.deepEqual(ours(file, dup), { same: true, method: 'dupfd-query' });
  assert.deepEqual(ours(file, other), { same: false, method: 'dupfd-query' });
  assert.deepEqual(ours(file, file), { same: true, method: 'identical' });
  assert.throws(() => ours(file, 2 ** 31 - 1), { name: 'SysError', message: /not open in this process/ });
  assert.deepEqual(sameFile({ pid: main, fd: fd.dup }, { pid: self, fd: file }), {
    same: true,
    method: 'kcmp',
  });
});

test('sameFile: a gone process, a zombie and a closed fd throw typed errors', async (t) => {
  const f = await mkfds(t, 'kernel_zombies');
  if (!f) return;
  const { main, zombie1 } = pick(f.pids, 'main', 'zombie1');
  const { file } = pick(f.fds, 'file');
  const ref = { pid: main, fd: file };
  assert.throws(() => sameFile(ref, { pid: zombie1, fd: file }), { name: 'ZombieProcessError' });
  assert.throws(() => sameFile(ref, { pid: 2 ** 31 - 1, fd: file }), { name: 'ProcessGoneError' });
  assert.throws(() => sameFile(ref, { pid: main, fd: 999 }), {
    name: 'SysError',
    message: /fd 999 is not open/,
  });
  assert.throws(() => sameFile({ pid: main, fd: 999 }, { pid: main, fd: 999 }), {
    message: /fd 999 is not open/,
  });
});

test('sameTaskResource: a thread shares the vm, a fork does not; io without io_contexts is absent, not shared', async (t) => {
  const clone = await mkfds(t, 'kernel_clone');
  const fork = await mkfds(t, 'fork');
  if (!clone || !fork) return;
  const { cloneParent, thread } = pick(clone.pids, 'cloneParent', 'thread');
  const { main, child } = pick(fork.pids, 'main', 'child');
  assert.deepEqual(sameTaskResource(cloneParent, thread, 'vm'), { kind: 'vm', same: true, method: 'kcmp' });
  assert.deepEqual(sameTaskResource(main, child, 'files'), { kind: 'files', same: false, method: 'kcmp' });
  assert.deepEqual(sameTaskResource(main, main, 'fs'), { kind: 'fs', same: true, method: 'identical' });
  for (const kind of ['io', 'sysvsem'] as const) {
    const v = sameTaskResource(main, child, kind);
    assert.equal(v.same, null, kind);
    assert.equal(v.absent, true, kind);
    assert.match(v.caveat ?? '', /NULL == NULL/);
  }
  assert.deepEqual(sameTaskResource(cloneParent, thread, 'sysvsem'), {
    kind: 'sysvsem',
    same: true,
    method: 'kcmp',
  });
  assert.throws(() => sameTaskResource(main, 2 ** 31 - 1, 'vm'), { name: 'ProcessGoneError' });
});

test('sameTaskResource of a task with itself: an io or sysvsem it lacks is absent, as kcmp tasks says none', async (t) => {
  const fork = await mkfds(t, 'fork');
  const clone = await mkfds(t, 'kernel_clone');
  if (!fork || !clone) return;
  const { main } = pick(fork.pids, 'main');
  const { cloneParent } = pick(clone.pids, 'cloneParent');
  const tasks = runCli(['tasks', '-p', `${main},${cloneParent}`, '-J']);
  assert.equal(tasks.code, 0, tasks.stderr);
  const absent = JSON.parse(tasks.stdout).absent as Record<'io' | 'sysvsem', number[] | null>;
  for (const kind of ['io', 'sysvsem'] as const) {
    assert.deepEqual(absent[kind], [main], `kcmp tasks: ${main} has no ${kind}, ${cloneParent} has one`);
    const lacking = sameTaskResource(main, main, kind);
    assert.equal(lacking.same, null, `${kind}: nothing is shared where nothing exists`);
    assert.equal(lacking.absent, true, kind);
    assert.match(lacking.caveat ?? '', /NULL == NULL/);
    assert.deepEqual(sameTaskResource(cloneParent, cloneParent, kind), {
      kind,
      same: true,
      method: 'identical',
    });
  }
});

test('kcmp same: exit 0 same, 1 different, 2 for a closed fd, a gone pid, a zombie and garbage', async (t) => {
  const f = await mkfds(t, 'fork');
  const z = await mkfds(t, 'kernel_zombies');
  if (!f || !z) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const fd = pick(f.fds, 'shared', 'childOwn', 'pipeRead');
  const same = (...args: string[]) => runCli(['same', ...args]);
  const dup = same(`${main}:${fd.shared}`, `${child}:${fd.shared}`);
  assert.deepEqual([dup.code, dup.stdout], [0, 'same (kcmp)\n']);
  const opens = same(`${main}:${fd.shared}`, `${child}:${fd.childOwn}`);
  assert.deepEqual([opens.code, opens.stdout], [1, 'different (kcmp)\n']);
  const inode = same(`${main}:${fd.shared}`, `${main}:${fd.pipeRead}`);
  assert.deepEqual([inode.code, inode.stdout], [1, 'different (different-inode)\n']);
  const errors: [string[], RegExp][] = [
    [[`${main}:${fd.shared}`, `${child}:999`], /fd 999 is not open in process \d+.*ls -l \/proc/],
    [[`${main}:${fd.shared}`, `${2 ** 31 - 1}:3`], /process 2147483647 does not exist/],
    [[`${main}:${fd.shared}`, `${pick(z.pids, 'zombie1').zombie1}:3`], /zombie/],
    [['garbage', `${main}:3`], /invalid fd reference "garbage"/],
  ];
  for (const [args, message] of errors) {
    const r = same(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, ONE_LINE);
    assert.match(r.stderr, message);
  }
});

test('kcmp same --json prints a kcmp.same/1 document', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = pick(f.pids, 'main', 'child');
  const { shared } = pick(f.fds, 'shared');
  const r = runCli(['same', '--json', `${main}:${shared}`, `${child}:${shared}`]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), {
    schema: 'kcmp.same/1',
    a: { pid: main, fd: shared },
    b: { pid: child, fd: shared },
    same: true,
    method: 'kcmp',
  });
});

test('kcmp same as another user: undecided (exit 2) with the ptrace remedy, never a guess', async (t) => {
  if (spawnSync(NOBODY[0], [...NOBODY.slice(1), 'true']).status !== 0) {
    t.skip('setpriv cannot switch to uid 65534 here');
    return;
  }
  const nobody = nobodyWrapper();
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  const { file, dup } = pick(f.fds, 'file', 'dup');
  const r = runCli(['same', '--json', `${main}:${file}`, `${main}:${dup}`], { wrapper: nobody });
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.same, null);
  assert.equal(doc.method, 'none');
  assert.equal(doc.reason.syscall, 'kcmp');
  assert.equal(doc.reason.errno, 'EPERM');
  assert.match(doc.reason.remedy, /CAP_SYS_PTRACE/);
  const text = runCli(['same', `${main}:${file}`, `${main}:${dup}`], { wrapper: nobody });
  assert.match(text.stdout, /^undecided: kcmp\(.*\) failed: EPERM .*CAP_SYS_PTRACE.*--borrow\n$/);
});

test('kcmp same --help shows examples', () => {
  const r = runCli(['same', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:\n {2}kcmp same 1234:3 1235:3/);
});
