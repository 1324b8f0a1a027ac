/**
 * `kcmp fds` error rows that must name the right process, task and cause: a zombie (no fd table left) is
 * an error row as in `kcmp tasks`, never silently nothing; a comparison that fails because one side
 * changed between two calls (a thread's execve) is never blamed on the other, innocent side.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { EXIT } from '../src/cli/exit-codes.js';
import { missedAny, readNothing } from '../src/cli/unreadable.js';
import { CompareFailure, UNORDERED } from '../src/compare/comparison.js';
import type { FdComparator } from '../src/compare/fd-comparator.js';
import { type KcmpCall, kcmpComparison } from '../src/compare/kcmp-comparison.js';
import { identify } from '../src/inspect/fds/buckets.js';
import { describe } from '../src/inspect/fds/describe.js';
import { missedTables, readRows } from '../src/inspect/fds/fd-rows.js';
import { fdTables } from '../src/inspect/fds/fd-tables.js';
import { Problems } from '../src/inspect/fds/fds-problems.js';
import { group } from '../src/inspect/fds/grouping.js';
import { scopeOf } from '../src/inspect/fds/narrow.js';
import { SocketTables } from '../src/netlink/socket-tables.js';
import { selectProcesses } from '../src/procfs/select.js';
import { readStat } from '../src/procfs/stat.js';
import { errnoName } from '../src/sys/errno.js';
import { KCMP, sysKcmp } from '../src/sys/kcmp.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { fdsJson, scanHere } from './helpers/fds.js';
import { pick } from './helpers/kernel.js';
import { sleepSync, waitComm, waitStat } from './helpers/wait.js';

test('kcmp fds -p ZOMBIE: an error row "zombie", as kcmp tasks gives', async (t) => {
  const f = await mkfds(t, 'tasks_clone');
  if (!f) return;
  const { zombie } = pick(f.pids, 'zombie');
  const report = fdsJson(['-p', String(zombie), '--all']);
  assert.deepEqual(report.descriptions, []);
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.fd, e.syscall, e.errno, e.reason]),
    [[zombie, null, null, null, 'zombie']],
  );
  assert.match(report.errors[0]?.message ?? '', /zombie/);
  const table = runCli(['fds', '-p', String(zombie)]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^ +${zombie} \\S+ +ERROR +zombie$`, 'm'), table.stdout);
  const tasks = runCli(['tasks', '-p', String(zombie)]);
  assert.match(tasks.stdout, /ERROR zombie/, 'the same word as kcmp tasks');
});

test('a side that changes between the kcmp calls (a thread execs) is asked again, never blamed on the other', async (t) => {
  const f = await mkfds(t, 'kernel_leader_exit', ['exec']);
  if (!f) return;
  const { leaderExit: execer, sibling } = pick(f.pids, 'leaderExit', 'sibling');
  const { file } = pick(f.fds, 'file');
  // The race, scripted: the first call finds the execer's leader exited (its fd table released: EBADF), as
  // a non-leader thread's execve leaves it in de_thread(); before the next call that thread's execve has
  // made it pid `execer`, holding `file` still. The sibling's side never changed.
  const calls: string[] = [];
  const call: KcmpCall = (pid1, pid2, type, idx1, idx2) => {
    const r = sysKcmp(pid1, pid2, type, idx1, idx2);
    calls.push(`${pid1}:${idx1} ${pid2}:${idx2} ${r < 0 ? errnoName(-r) : r}`);
    if (calls.length === 1) {
      process.kill(execer, 'SIGUSR1');
      waitComm(execer, 'sleep');
    }
    return r;
  };
  const c = kcmpComparison(KCMP.FILE, sibling, file, execer, file, call);
  assert.equal(calls[0], `${sibling}:${file} ${execer}:${file} EBADF`, 'the race happened');
  assert.ok(!(c instanceof CompareFailure), `not blamed: ${JSON.stringify(c)} after ${calls.join(', ')}`);
  assert.equal(c, 0, 'the same description: inherited across fork, kept across exec');
  const report = fdsJson(['-p', `${execer},${sibling}`, '--all']);
  assert.deepEqual(report.errors, []);
  const shared = report.descriptions.find((d) => d.holders.some((h) => h.pid === sibling && h.fd === file));
  assert.deepEqual(
    shared?.holders.map((h) => `${h.pid}:${h.fd}`),
    [`${execer}:${file}`, `${sibling}:${file}`],
  );
});

test('a gone side is still blamed on itself: a closed fd of the other process', async (t) => {
  const f = await mkfds(t, 'kernel_leader_exit', ['exec']);
  if (!f) return;
  const { sibling } = pick(f.pids, 'sibling');
  const { file } = pick(f.fds, 'file');
  const c = kcmpComparison(KCMP.FILE, sibling, file, sibling, 999);
  assert.ok(c instanceof CompareFailure);
  assert.deepEqual([c.error, c.blame], ['EBADF', 'b']);
});

test('a bucket whose answers never hold still is "unsettled" in words: no errno is made up', async (t) => {
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const { main } = pick(f.pids, 'main');
  // Every fd of main (the file's ten, and the runner's pipes), read as the scan reads them; a comparator
  // whose answers cannot all hold at once (as under churn, where each call sees other files): the file's
  // fds in order, each at a place that is a multiple of three answers equal to the two after it, and no
  // other pair is equal — so each class the grouping makes (three fds around the first) is refuted by its
  // second member's star, and no grouping survives its check (the check asks no pair twice: re-asking
  // one would not do). Grouped and described by the scan's own stages, so the row below is what a user
  // reads, not what Problems was just told.
  const fileFds = Object.values(f.fds).sort((a, b) => a - b);
  const processes = selectProcesses({ kind: 'pids', pids: [main] });
  const problems = new Problems();
  const rows = await readRows(fdTables(processes).tables, undefined, problems);
  const comparator: FdComparator = {
    method: 'kcmp',
    ordered: false,
    compare(_ta, fdA, _tb, fdB) {
      const [a, b] = [fileFds.indexOf(fdA), fileFds.indexOf(fdB)].sort((x, y) => x - y) as [number, number];
      return a % 3 === 0 && b - a <= 2 ? 0 : UNORDERED;
    },
  };
  const grouped = await group(rows, identify(rows, false), {
    how: { method: 'kcmp', comparator },
    pool: undefined,
    processes,
  });
  const report = await describe(rows, grouped, {
    processes,
    problems,
    exited: new Set(),
    left: new Set(),
    pool: undefined,
    options: { all: true, fdinfo: false, fileStat: false, sockets: false, peers: false, engine: 'kcmp' },
    scope: scopeOf(processes, false, { peers: false }, []),
    sockets: new SocketTables(),
    engine: 'kcmp',
    comparisons: 0,
    started: performance.now(),
  });
  const ofFile = report.descriptions.filter((d) => d.holders.some((h) => fileFds.includes(h.fd)));
  assert.deepEqual(
    ofFile.map((d) => [d.holders.map((h) => h.fd), d.certain, d.method]),
    fileFds.map((fd) => [[fd], false, 'none']),
    'nothing is merged on a guess: each fd alone, uncertain',
  );
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.fd, e.syscall, e.errno, e.reason]),
    [[main, null, null, null, 'unsettled']],
    'unsettled, with no errno: no call failed',
  );
  assert.match(
    report.errors[0]?.message ?? '',
    new RegExp(
      `^process ${main}: ${fileFds.length} fds of a file whose fds kept changing while they were compared .*; --stop holds the processes still$`,
    ),
  );
});

test('an fd number reused for another file between the scan and the comparisons is left out with a "reused" row, never listed under the file it left', async (t) => {
  const f = await mkfds(t, 'reuse');
  if (!f) return;
  const { holder } = pick(f.pids, 'holder');
  const { file, reused, other } = pick(f.fds, 'file', 'reused', 'other');
  const otherPath = f.values.other as string;
  let fired = false;
  const report = await scanHere([holder], {
    // Every fd read (fd 11 as `file`, beside fd 10: one bucket, two descriptions), none compared yet: the
    // holder dup2()s `other` onto fd 11 now, so kcmp compares `other` with fd 10 and answers "different".
    onProgress: ({ phase, done, total }) => {
      if (phase !== 'scan' || done !== total || fired) return;
      fired = true;
      process.kill(holder, 'SIGUSR1');
      const deadline = Date.now() + 5000;
      while (readlinkSync(`/proc/${holder}/fd/${reused}`) !== otherPath) {
        assert.ok(Date.now() < deadline, 'the holder re-pointed fd 11');
        sleepSync(1);
      }
    },
  });
  assert.ok(fired, 'the race happened: fd 11 was re-pointed after the scan read it');
  const holding = (fd: number) =>
    report.descriptions.filter((d) => d.holders.some((h) => h.pid === holder && h.fd === fd));
  assert.deepEqual(holding(reused), [], 'fd 11 is not listed: what it held when read was never compared');
  assert.deepEqual(
    holding(file).map((d) => d.holders.length),
    [1],
    'fd 10 is its own description',
  );
  assert.equal(holding(other)[0]?.name, otherPath);
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.fd, e.reason]),
    [[holder, reused, 'reused']],
  );
});

test("a leader's table that lists empty while a thread's execve replaces it is listed again, and the loss said", async (t) => {
  const f = await mkfds(t, 'kernel_leader_exit', ['exec']);
  if (!f) return;
  const { leaderExit: pid } = pick(f.pids, 'leaderExit');
  // The leader has exited (its table released), as in the middle of another thread's execve: its
  // /proc/PID/fd lists nothing.
  const leaderTable = { pid, tid: pid, sharedBy: [], compared: true };
  const listing = new Problems();
  const scan = await readRows([leaderTable], undefined, listing);
  assert.equal(scan.fd.length, 0, 'the released table lists no fds');
  assert.deepEqual(listing.list(), [], 'the listing succeeds, and finds it still empty: nothing to say');
  assert.deepEqual(missedTables(scan), [], 'still empty: nothing to say');
  process.kill(pid, 'SIGUSR1');
  waitComm(pid, 'sleep');
  const missed = missedTables(scan);
  assert.equal(missed.length, 1);
  const fds = missed[0] && 'fds' in missed[0] ? missed[0].fds : 0;
  assert.ok(fds > 0, 'the exec has handed the pid and the fds to the thread');
  const problems = new Problems();
  problems.missed(leaderTable, fds, 'proc');
  assert.deepEqual(
    problems.list().map((e) => [e.pid, e.fd, e.syscall, e.errno, e.reason]),
    [[pid, null, null, null, 'missed']],
    'an error row without a made-up errno: no call failed, the fds were missed',
  );
});

test('a missed live process makes the scan no answer: exit 2 after one line, also beside processes read', (t) => {
  const row = (reason: 'missed' | 'zombie') =>
    ({ pid: 7, fd: null, syscall: null, errno: null, reason, message: `process 7: ${reason}` }) as const;
  assert.equal(readNothing(0, [row('missed')]), true, 'nothing read: a missed process is no fact');
  assert.equal(readNothing(0, [row('zombie')]), false, 'a zombie holds no fds: a fact, answered');
  const lines: string[] = [];
  t.mock.method(process.stderr, 'write', (line: string) => lines.push(line));
  assert.equal(missedAny([row('zombie')]), EXIT.OK);
  assert.deepEqual(lines, []);
  assert.equal(missedAny([row('zombie'), row('missed')]), EXIT.TROUBLE);
  assert.deepEqual(lines, ['kcmp: the scan missed a live process: process 7: missed\n']);
});

test('waitComm: ENOENT and ESRCH while de_thread hands the pid over are "not yet"; a process really gone fails, bounded', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  /** A reader answering `answers` in turn (the comm, or an error thrown). */
  const script = (answers: (string | Error)[]) => () => {
    const next = answers.shift();
    if (next === undefined) throw new Error('read after the script ended');
    if (next instanceof Error) throw next;
    return next;
  };
  // What a poll can meet mid-exec: the old comm, no task at the lookup, no task at the read, the new comm.
  // (The scripted reads ignore the pid; ours only names the process in messages.)
  const pid = process.pid;
  const midExec = ['mkfds', errno('ENOENT'), errno('ESRCH'), 'mkfds', 'sleep'];
  waitComm(pid, 'sleep', 10_000, script(midExec));
  assert.deepEqual(midExec, [], 'read until the new comm');
  assert.throws(
    () => waitComm(pid, 'sleep', 10_000, script([errno('EACCES')])),
    /EACCES/,
    'any other error is not a moment of exec',
  );
  // A child of ours, exited and reaped: its pid names no process (reused within a second: not on a test
  // machine's pid space).
  const gone = spawnSync('true').pid;
  const started = Date.now();
  assert.throws(() => waitComm(gone, 'sleep'), new RegExp(`^Error: process ${gone} is gone: .* ENOENT`));
  assert.ok(Date.now() - started < 5_000, 'not the whole timeout');
});

test("a live process caught in a thread's execve (its leader a zombie) is read, never taken for a zombie with no fds", async (t) => {
  const f = await mkfds(t, 'exec_held');
  if (!f) return;
  const { main, execer, sibling } = pick(f.pids, 'main', 'execer', 'sibling');
  const { file } = pick(f.fds, 'file');
  // The execve starts, and waits in de_thread for heldThread, which the fixture holds at its exit: the
  // leader is a zombie by then, and stays one until the fixture lets heldThread go (SIGUSR2).
  process.kill(execer, 'SIGUSR1');
  waitStat(execer, (stat) => stat?.state === 'Z', 'showed its leader a zombie');
  let selectedMidExec = false;
  const report = await scanHere([execer, sibling], {
    // Told once the processes are selected, before any fd table is found: let the execve complete now.
    onEngine: () => {
      selectedMidExec = readStat(execer).state === 'Z';
      process.kill(main, 'SIGUSR2');
      waitComm(execer, 'sleep');
    },
  });
  assert.ok(selectedMidExec, 'the race happened: the selection was made while the leader was a zombie');
  assert.deepEqual(report.errors, [], 'no zombie row: the process lives');
  const shared = report.descriptions.find((d) => d.holders.some((h) => h.pid === sibling && h.fd === file));
  assert.deepEqual(
    shared?.holders.map((h) => `${h.pid}:${h.fd}`),
    [`${execer}:${file}`, `${sibling}:${file}`],
    'the exec kept the inherited file: both hold it',
  );
  assert.equal(report.processes.find((p) => p.pid === execer)?.command, 'sleep', 'as it was read again');
});
