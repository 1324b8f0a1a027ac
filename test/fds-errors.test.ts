/**
 * `kcmp fds` error rows that must name the right process, task and cause: a zombie (no fd table left) is
 * an error row as in `kcmp tasks`, never silently nothing; a comparison that fails because one side
 * changed between two calls (a thread's execve) is never blamed on the other, innocent side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompareFailure, UNORDERED } from '../src/compare/comparison.js';
import type { FdComparator } from '../src/compare/fd-comparator.js';
import { type KcmpCall, kcmpComparison } from '../src/compare/kcmp-comparison.js';
import { readRows, refilledTables } from '../src/inspect/fds/fd-rows.js';
import { inspectFds } from '../src/inspect/fds/fds.js';
import { Problems } from '../src/inspect/fds/fds-problems.js';
import { groupBuckets } from '../src/inspect/fds/group-bucket.js';
import { allocFdColumns, scanFds } from '../src/procfs/fds.js';
import { readStat } from '../src/procfs/stat.js';
import { errnoName } from '../src/sys/errno.js';
import { KCMP, sysKcmp } from '../src/sys/kcmp.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { pick, waitStat } from './helpers/kernel.js';

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

/** Waits until process `pid`'s comm is `comm`: how the test sees an exec complete (waitStat). */
function waitComm(pid: number, comm: string): void {
  waitStat(pid, (stat) => stat?.comm === comm, `became ${comm}`);
}

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
  const fds = Int32Array.from(Object.values(pick(f.fds, 'file', 'dup', 'otherOpen')));
  const cols = allocFdColumns(fds.length);
  scanFds(main, fds, cols, 0);
  // Real fds of one file, and a comparator whose answer for a pair changes every time it is asked (as
  // under churn, where each check sees other files): no grouping survives its check.
  const asked = new Map<string, number>();
  const comparator: FdComparator = {
    method: 'kcmp',
    ordered: false,
    compare(_ta, fdA, _tb, fdB) {
      const key = `${fdA} ${fdB}`;
      const n = (asked.get(key) ?? 0) + 1;
      asked.set(key, n);
      return n % 2 === 1 ? 0 : UNORDERED; // equal when grouped, different when checked
    },
  };
  const job = {
    method: 'kcmp' as const,
    tid: new Int32Array(fds.length).fill(main),
    fd: fds,
    dev: cols.dev,
    ino: cols.ino,
    ends: Int32Array.of(fds.length),
  };
  const out = groupBuckets(job, comparator);
  assert.deepEqual([...out.klass], [-1, -1, -1], 'nothing is merged on a guess');
  assert.deepEqual(
    out.fates.map(([, fate]) => fate),
    [{ kind: 'unsettled' }, { kind: 'unsettled' }, { kind: 'unsettled' }],
    'unsettled, with no errno: no call failed',
  );
  const problems = new Problems();
  problems.unsettled(main);
  assert.deepEqual(
    problems.list().map((e) => [e.pid, e.fd, e.syscall, e.errno, e.reason]),
    [[main, null, null, null, 'unsettled']],
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
  assert.deepEqual(refilledTables(scan), [], 'still empty: nothing to say');
  process.kill(pid, 'SIGUSR1');
  waitComm(pid, 'sleep');
  const refilled = refilledTables(scan);
  assert.equal(refilled.length, 1);
  assert.ok((refilled[0]?.fds ?? 0) > 0, 'the exec has handed the pid and the fds to the thread');
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
  const report = await inspectFds({
    selection: { kind: 'pids', pids: [execer, sibling] },
    all: true,
    engine: 'kcmp',
    workers: 0,
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
