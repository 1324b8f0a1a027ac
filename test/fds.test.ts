/**
 * `kcmp fds` on known topologies (mkfds): what is shared is known by construction. Also the socket claim
 * (one file per socket inode) checked with kcmp, fd tables shared by threads and CLONE_FILES, kcmp blocked
 * by seccomp, an unprivileged caller, bad -p values, and --stop.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, unlinkSync } from 'node:fs';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { readStat } from '../src/procfs/stat.js';
import { mkfds, startFixture } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { runCli } from './helpers/cli.js';
import { descriptionOf, fdsJson, partition } from './helpers/fds.js';
import { catchMidScan, stillStopped } from './helpers/mid-scan.js';
import { nobodyWrapper } from './helpers/nobody.js';

test('dups share one description; another open and a /proc reopen do not', async (t) => {
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const main = f.pids.main as number;
  const report = fdsJson(['-p', String(main), '--all']);
  const of = descriptionOf(report);
  const at = (name: string) => of.get(`${main}:${f.fds[name]}`);
  for (const dup of ['dup', 'dup2', 'dup3', 'dupfd', 'dupfdCloexec']) assert.equal(at(dup), at('file'), dup);
  assert.notEqual(at('otherOpen'), at('file'));
  assert.notEqual(at('reopen'), at('file'));
  assert.notEqual(at('reopen'), at('otherOpen'));
  assert.equal(at('opathDup'), at('opath'));
  const file = report.descriptions.find((d) => d.id === at('file'));
  assert.equal(file?.type, 'REG');
  assert.equal(file?.method, 'kcmp');
  assert.equal(file?.name, f.values.path);
  assert.equal(file?.certain, true);
});

test('a pipeline: the stderr all stages inherit is shared; the two ends of a pipe are not', async (t) => {
  const f = await mkfds(t, 'pipeline');
  if (!f) return;
  const { producer, filter, consumer } = f.pids as Record<string, number>;
  const pids = [producer, filter, consumer].join(',');
  const shared = fdsJson(['-p', pids]);
  const stderr = shared.descriptions.find((d) => d.holders.some((h) => h.pid === producer && h.fd === 2));
  assert.deepEqual(
    stderr?.holders.map((h) => `${h.pid}:${h.fd}`),
    [`${producer}:2`, `${filter}:2`, `${consumer}:2`],
  );
  const all = fdsJson(['-p', pids, '--all']);
  const of = descriptionOf(all);
  const write = all.descriptions.find((d) => d.id === of.get(`${producer}:1`));
  const read = all.descriptions.find((d) => d.id === of.get(`${filter}:0`));
  assert.equal(write?.type, 'FIFO');
  assert.equal(write?.ino, read?.ino, 'one pipe inode');
  assert.notEqual(write?.id, read?.id, 'two descriptions: the read end and the write end');
  assert.deepEqual(write?.holders.length, 1);

  const table = runCli(['fds', '-p', pids]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] as string, /^DESC +PID COMMAND +FD TYPE +MODE +POS NAME$/);
  assert.match(
    lines.at(-1) as string,
    /^3 processes, \d+ fds in \d+ descriptions \(\d+ shared\), 0 errors, engine kcmp, \d+ kcmp calls, [\d.]+ s$/,
  );
  const raw = runCli(['fds', '-p', pids, '-r', '-n', '-o', 'PID,FD,TYPE,HOLDERS,METHOD']);
  const rows = raw.stdout.split('\n');
  for (const pid of [producer, filter, consumer]) {
    // stderr is whatever the test runner gave the fixture: a pipe or a socket
    assert.ok(
      rows.some((row) => new RegExp(`^${pid} 2 (FIFO 3 kcmp|UNIX-STREAM 3 socket-inode)$`).test(row)),
      raw.stdout,
    );
  }
  assert.ok(!raw.stdout.includes('processes,'), 'no summary with -r/-n');
});

test('a pre-fork server: the workers share the listening socket, known without kcmp and verified with it', async (t) => {
  const f = await mkfds(t, 'prefork');
  if (!f) return;
  const { main, worker1, worker2, worker3 } = f.pids as Record<string, number>;
  const pids = [main, worker1, worker2, worker3].join(',');
  const report = fdsJson(['-p', pids]);
  const listen = report.descriptions.find((d) =>
    d.holders.some((h) => h.pid === main && h.fd === f.fds.listen),
  );
  assert.deepEqual(
    listen?.holders.map((h) => h.pid),
    [main, worker1, worker2, worker3],
  );
  assert.deepEqual([listen?.type, listen?.stType], ['TCP', 'SOCK'], 'TYPE: its protocol; STTYPE: a socket');
  assert.equal(listen?.method, 'socket-inode');
  const paranoid = fdsJson(['-p', pids, '--all', '--paranoid']);
  assert.deepEqual(partition(paranoid), partition(fdsJson(['-p', pids, '--all'])));
  const again = paranoid.descriptions.find((d) => d.ino === listen?.ino);
  assert.equal(again?.method, 'kcmp');
});

test('the socket claim: every fd of one socket inode is one description by kcmp', async (t) => {
  const f = await mkfds(t, 'random', ['4242', '4', '150']);
  if (!f) return;
  const report = fdsJson(['-p', Object.values(f.pids).join(','), '--all']);
  const sockets = report.descriptions.filter((d) => d.stType === 'SOCK' && d.holders.length > 1);
  assert.ok(sockets.length > 3, 'the topology has shared sockets');
  for (const d of sockets) {
    const [first, ...rest] = d.holders;
    for (const h of rest)
      assert.equal(kcmp(first?.pid as number, h.pid, 'file', first?.fd as number, h.fd), 'equal');
  }
  // And no two socket descriptions share an inode.
  const inodes = report.descriptions.filter((d) => d.stType === 'SOCK').map((d) => `${d.dev}:${d.ino}`);
  assert.equal(new Set(inodes).size, inodes.length);
});

test('threads and CLONE_FILES share one fd table, read once; a thread that unshared it is read on its own', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const { main, files, unshared } = f.pids as Record<string, number>;
  const report = fdsJson(['-p', `${main},${files}`, '--all']);
  assert.equal(report.processes.find((p) => p.pid === files)?.fdTableOf, main);
  const holders = report.descriptions.flatMap((d) => d.holders);
  const child = holders.filter((h) => h.pid === files);
  assert.ok(child.length > 0 && child.every((h) => h.fdTable === main), "the child holds main's table");
  const own = holders.filter((h) => h.tid === unshared);
  assert.ok(own.length > 0, 'the unsharing thread has a table of its own');
  const keys = holders.map((h) => `${h.pid}:${h.tid ?? ''}:${h.fd}`);
  assert.equal(new Set(keys).size, keys.length, 'every fd of every table once');
  // unshare(CLONE_FILES) copies the table: its fds share the leader's descriptions.
  const of = descriptionOf(report);
  const mainFds = new Set(holders.filter((h) => h.tid === undefined).map((h) => h.fd));
  for (const h of own) if (mainFds.has(h.fd)) assert.ok(of.get(`${main}:${h.fd}`));
});

test('a leader that exited while a thread lives: its fds are read through the thread', async (t) => {
  const f = await mkfds(t, 'kernel_leader_exit');
  if (!f) return;
  const { leaderExit, thread } = f.pids as Record<string, number>;
  const report = fdsJson(['-p', String(leaderExit), '--all']);
  const file = report.descriptions.find((d) => d.holders.some((h) => h.fd === f.fds.file));
  assert.equal(file?.holders[0]?.pid, leaderExit);
  assert.equal(file?.holders[0]?.tid, thread);
});

test('kcmp blocked (seccomp EPERM): same-inode fds stay apart, uncertain; sockets still known', async (t) => {
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const report = fdsJson(['-p', `${main},${child}`, '--all'], { wrapper: seccompWrapper('eperm') });
  const of = descriptionOf(report);
  const shared = report.descriptions.find((d) => d.id === of.get(`${main}:${f.fds.shared}`));
  assert.equal(shared?.holders.length, 1, 'never merged on a guess');
  assert.equal(shared?.certain, false);
  assert.equal(shared?.method, 'none');
  assert.notEqual(of.get(`${main}:${f.fds.shared}`), of.get(`${child}:${f.fds.shared}`));
  const sock = report.descriptions.find((d) => d.id === of.get(`${main}:${f.fds.sock0}`));
  assert.deepEqual(
    sock?.holders.map((h) => h.pid),
    [main, child],
  );
  assert.equal(sock?.certain, true);
  assert.ok(report.errors.some((e) => e.syscall === 'kcmp' && e.errno === 'EPERM' && e.fd === null));
});

test("kcmp blocked: threads are taken to share their leader's fd table, and the report says so", async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const main = f.pids.main as number;
  const report = fdsJson(['-p', String(main)], { wrapper: seccompWrapper('eperm') });
  const row = report.errors.find((e) => e.syscall === 'kcmp' && e.message.includes('KCMP_FILES'));
  assert.equal(row?.pid, main);
  assert.equal(row?.errno, 'EPERM');
  assert.ok(
    row?.message.includes(`thread ${f.pids.unshared}`) || row?.message.includes(`${f.pids.unshared}`),
  );
});

test('an unprivileged user: their own processes grouped, others as error rows', async (t) => {
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv is not installed');
  if (process.getuid?.() !== 0) return t.skip('needs root to start a process as nobody');
  const nobody = nobodyWrapper();
  const theirs = await startFixture('fork', [], { wrapper: nobody });
  t.after(() => theirs.stop());
  const root = await mkfds(t, 'fork');
  if (!root) return;
  const { main, child } = theirs.pids as Record<string, number>;
  const rootMain = root.pids.main as number;
  const report = fdsJson(['-p', `${main},${child},${rootMain}`], { wrapper: nobody });
  const of = descriptionOf(report);
  assert.ok(of.get(`${main}:${theirs.fds.shared}`), 'own processes grouped');
  assert.equal(of.get(`${main}:${theirs.fds.shared}`), of.get(`${child}:${theirs.fds.shared}`));
  assert.ok(!report.descriptions.some((d) => d.holders.some((h) => h.pid === rootMain)));
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.fd, e.syscall, e.errno]),
    [[rootMain, null, 'readdir', 'EACCES']],
  );
  const table = runCli(['fds', '-p', `${main},${rootMain}`], { wrapper: nobody });
  assert.match(table.stdout, new RegExp(`${rootMain} \\S+ +ERROR +readdir:EACCES`));
});

test('bad -p values: one line on stderr, exit 2', async (t) => {
  const gone = spawnSync('true').pid as number;
  const f = await mkfds(t, 'tasks_clone');
  const thread = f ? [String(f.pids.thread)] : [];
  for (const value of [
    'garbage',
    '0',
    '-5',
    '99999999999',
    '4294967296',
    '12x',
    ',',
    String(gone),
    ...thread,
  ]) {
    const r = runCli(['fds', '-p', value]);
    assert.equal(r.code, 2, `-p ${value}: ${r.stderr}`);
    assert.equal(r.stdout, '', `-p ${value}`);
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/, `-p ${value}`);
  }
  assert.match(runCli(['fds', '-p', String(gone)]).stderr, new RegExp(`process ${gone} does not exist`));
  for (const args of [
    ['--tree', '0'],
    ['-o', 'NOPE'],
    ['-o', ''],
    ['--workers', 'x'],
  ]) {
    const r = runCli(['fds', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('--stop freezes the selection while scanning and continues it afterwards, also after SIGINT', async (t) => {
  const f = await mkfds(t, 'random', ['77', '4', '800']);
  if (!f) return;
  const pids = Object.values(f.pids);
  const state = (pid: number) => readStat(pid).state;
  // One of them was stopped before: it must stay stopped.
  const already = pids[1] as number;
  process.kill(already, 'SIGSTOP');
  await until(() => state(already) === 'T');
  const report = fdsJson(['-p', pids.join(','), '--stop']);
  assert.ok(report.descriptions.length > 0);
  for (const pid of pids) assert.equal(state(pid) === 'T', pid === already, `pid ${pid}: ${state(pid)}`);
  process.kill(already, 'SIGCONT');
  await until(() => state(already) !== 'T');

  // SIGINT while kcmp holds them stopped (caught mid-scan, so the scan cannot have ended first): it
  // continues them, then dies of the signal — an exit 0 would be a scan that never read it.
  const { cli, ended } = await catchMidScan(
    ['fds', '-p', pids.join(','), '--stop', '--all', '-J', '--workers', '0'],
    pids,
  );
  process.kill(cli.pid as number, 'SIGINT');
  process.kill(cli.pid as number, 'SIGCONT');
  const end = await ended;
  assert.equal(end.signal, 'SIGINT', `died of ${end.signal ?? `exit ${end.code}`}`);
  assert.deepEqual(await stillStopped(pids), [], 'left stopped');

  const self = runCli(['fds', '-p', String(process.pid), '--stop']);
  assert.equal(self.code, 2);
  assert.match(self.stderr, /refusing to stop process \d+: it is an ancestor of kcmp/);
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('fds -o SIZE,NLINK: stat of each listed file, read only when a column asks, following links and deletion', async (t) => {
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const main = f.pids.main as number;
  const path = String(f.values.path);
  const fileRow = (args: string[]) => {
    const r = runCli(['fds', '-p', String(main), '-r', '-o', 'FD,SIZE,NLINK', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').find((line) => line.split(' ')[0] === String(f.fds.file));
  };
  assert.equal(fileRow([]), `${f.fds.file} 5 1`, 'the fixture wrote "hello" to its one-name file');
  linkSync(path, `${path}.second`);
  assert.equal(fileRow([]), `${f.fds.file} 5 2`, 'a second name');
  unlinkSync(path);
  unlinkSync(`${path}.second`);
  assert.equal(fileRow([]), `${f.fds.file} 5 0`, 'deleted while held open');
  const asked = fdsJson(['-p', String(main), '-o', 'FD,SIZE']);
  const file = asked.descriptions.find((d) => d.holders.some((h) => h.fd === f.fds.file));
  assert.deepEqual(file?.file, { size: 5, nlink: 0 });
  const plain = fdsJson(['-p', String(main)]);
  assert.ok(
    plain.descriptions.every((d) => d.file === undefined),
    'no column shows it: not read',
  );
});
