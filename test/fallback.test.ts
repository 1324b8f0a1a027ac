/**
 * `kcmp fds` and `kcmp tasks` where kcmp is blocked (kcmp-spec.md §5, §6.4): the real CLI under seccomp
 * filters that refuse kcmp with EPERM (Docker), ENOSYS (no CONFIG_KCMP) or kill (SIGSYS), each also with
 * pidfd_getfd blocked, on seeded random topologies (mkfds `random`). Against the pidfd_getfd +
 * F_DUPFD_QUERY oracle (computed by this unfiltered test process): no description ever merges fds of two
 * descriptions, every description not proven whole is `certain: false`, and with --borrow where
 * pidfd_getfd is allowed the partition is the oracle's, all certain. Nothing dies of SIGSYS; the run says
 * once on stderr what it could not use and why.
 *
 * Seeds: KCMP_TEST_SEED=N reproduces a run; otherwise the base seed is random and printed on failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import type { TasksReport } from '../src/inspect/tasks/tasks-report.js';
import { sysDupfdQuery } from '../src/sys/fcntl.js';
import { mkfds } from './fixture/mkfds.js';
import { SECCOMP_MODES, type SeccompMode, seccompWrapper } from './fixture/seccomp.js';
import { runCliAsync } from './helpers/cli-async.js';
import { assertSound, oracle, partition } from './helpers/fds.js';
import { assertValid } from './helpers/schema.js';

const BASE = Number(process.env.KCMP_TEST_SEED ?? Math.floor(Math.random() * 1e6));

/** What the stderr notice must name for each way of blocking kcmp. */
const WHY: Readonly<Record<string, RegExp>> = {
  eperm: /refuses it with EPERM.*--cap-add SYS_PTRACE/,
  enosys: /missing from this kernel.*CONFIG_KCMP/,
  kill: /kills any process that calls it \(SIGSYS\)/,
};

/** What each per-process `kcmp` error row must give as the cause: the filter, never the ptrace check. */
const ROW_WHY: Readonly<Record<string, RegExp>> = {
  eperm: /; a seccomp filter blocks kcmp here: .*--cap-add SYS_PTRACE/,
  enosys: /; this kernel has no kcmp .*or a seccomp filter answers ENOSYS/,
  kill: /; a seccomp filter kills processes that call kcmp/,
};

const BORROWED = new Set(['borrowed-dupfd-query', 'different-inode', 'socket-inode']);

/** kcmp fds ARGS --all --json under `mode`; checks the run against the oracle and returns what it reported. */
async function fdsUnder(
  mode: SeccompMode,
  pids: readonly number[],
  truth: string[][],
  args: string[],
  what: string,
): Promise<FdsReport> {
  const r = await runCliAsync(['fds', '-p', pids.join(','), '--all', '--json', ...args], {
    wrapper: seccompWrapper(mode),
  });
  const where = `[${mode}] ${what} ${args.join(' ')}`;
  assert.equal(r.signal, null, `${where}: died of ${r.signal}`);
  assert.equal(r.code, 0, `${where}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as FdsReport;
  assertSound(report, truth, where);
  const [base] = mode.split('+') as [string];
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.match(lines[0] ?? '', /^kcmp: kcmp cannot be used: /, where);
  assert.match(lines[0] ?? '', WHY[base] as RegExp, where);
  const borrowing = args.includes('--borrow') && !mode.endsWith('+getfd');
  if (borrowing) {
    assert.deepEqual(partition(report), truth, `${where}: --borrow must give the oracle's partition`);
    assert.deepEqual(report.errors, [], where);
    assert.ok(
      report.descriptions.every((d) => d.certain && BORROWED.has(d.method)),
      where,
    );
    assert.ok(
      report.descriptions.some((d) => d.method === 'borrowed-dupfd-query'),
      where,
    );
    assert.match(lines[1] ?? '', /^kcmp: warning: --borrow closes every fd .*POSIX/, where);
    assert.equal(lines.length, 2, where);
  } else {
    assert.ok(
      report.descriptions.some((d) => !d.certain && d.method === 'none'),
      `${where}: the topology has same-inode fds no one could compare`,
    );
    assert.ok(!report.descriptions.some((d) => d.method === 'kcmp' || d.method === 'borrowed-dupfd-query'));
    // Only an errno kcmp answered: under a kill policy kcmp is never called, so its rows have none.
    const rows = report.errors.filter((e) => e.syscall === 'kcmp' || e.reason === 'seccomp-kill');
    assert.ok(rows.length > 0, `${where}: no kcmp error rows`);
    for (const row of rows) {
      const expected =
        base === 'kill' ? { syscall: null, errno: null } : { syscall: 'kcmp', errno: row.errno };
      assert.deepEqual({ syscall: row.syscall, errno: row.errno }, expected, `${where}: ${row.message}`);
      assert.equal(row.errno, { eperm: 'EPERM', enosys: 'ENOSYS', kill: null }[base], where);
    }
    for (const row of rows) {
      assert.match(row.message, ROW_WHY[base] as RegExp, where);
      assert.doesNotMatch(
        row.message,
        /run as the same user|CAP_SYS_PTRACE$/,
        `${where}: not the ptrace check`,
      );
    }
    if (args.includes('--borrow')) assert.match(lines[0] ?? '', /--borrow cannot help: pidfd_getfd/, where);
    assert.equal(lines.length, 1, where);
  }
  return report;
}

test('kcmp fds under every seccomp mode, with and without --borrow: no false answer, no SIGSYS', async (t) => {
  if (sysDupfdQuery(0, 0) < 0) return t.skip('F_DUPFD_QUERY (the oracle, and --borrow) needs Linux 6.10');
  const topologies = [
    { procs: 3, fds: 80, args: [] as string[], modes: SECCOMP_MODES },
    { procs: 4, fds: 150, args: ['--paranoid', '--workers', '2'], modes: ['eperm', 'kill+getfd'] as const },
  ];
  for (const [i, topology] of topologies.entries()) {
    const seed = BASE + i;
    const what = `seed ${seed} (mkfds random ${seed} ${topology.procs} ${topology.fds}; KCMP_TEST_SEED=${BASE})`;
    const f = await mkfds(t, 'random', [String(seed), String(topology.procs), String(topology.fds)]);
    if (!f) return;
    const pids = Object.values(f.pids);
    const truth = oracle(pids);
    await Promise.all(
      topology.modes.flatMap((mode) =>
        [[], ['--borrow']].map((borrow) => fdsUnder(mode, pids, truth, [...topology.args, ...borrow], what)),
      ),
    );
    await f.stop();
  }
});

test('the table marks uncertain descriptions d7? and explains them below; a plain run says nothing on stderr', async (t) => {
  const f = await mkfds(t, 'random', [String(BASE), '2', '60']);
  if (!f) return;
  const pids = Object.values(f.pids).join(',');
  const [blocked, borrowed, plain] = await Promise.all([
    runCliAsync(['fds', '-p', pids, '--all'], { wrapper: seccompWrapper('eperm') }),
    runCliAsync(['fds', '-p', pids, '--all', '--borrow'], { wrapper: seccompWrapper('eperm') }),
    runCliAsync(['fds', '-p', pids, '--all', '--borrow']),
  ]);
  assert.match(blocked.stdout, /^d\d+\? +\d+ /m);
  assert.match(blocked.stdout, /^\?: uncertain: some fds of this file could not be compared/m);
  assert.match(blocked.stdout, /ERROR +kcmp:EPERM$/m);
  assert.doesNotMatch(borrowed.stdout, /^d\d+\?/m);
  assert.match(borrowed.stdout, /\d+ comparisons, [\d.]+ s$/m);
  assert.equal(plain.stderr, '', 'kcmp works: no notice, and --borrow is not used');
  assert.match(plain.stdout, /\d+ kcmp calls, [\d.]+ s$/m);
  assert.doesNotMatch(plain.stdout, /^d\d+\?|^\?:/m);
});

test('--borrow never holds more borrowed fds than RLIMIT_NOFILE allows: the rest is uncertain (EMFILE), never merged', async (t) => {
  if (spawnSync('prlimit', ['--version']).status !== 0)
    return t.skip('prlimit (util-linux) is not installed');
  if (sysDupfdQuery(0, 0) < 0) return t.skip('F_DUPFD_QUERY needs Linux 6.10');
  const f = await mkfds(t, 'random', [String(BASE + 7), '3', '300']);
  if (!f) return;
  const pids = Object.values(f.pids);
  const truth = oracle(pids);
  // 64 fds, the least kcmp runs with: node itself needs ~20; half of the rest is ~22 borrowed fds, fewer
  // than the big buckets need.
  const wrapper = ['prlimit', '--nofile=64:64', ...seccompWrapper('eperm')];
  const r = await runCliAsync(['fds', '-p', pids.join(','), '--all', '--json', '--borrow'], { wrapper });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as FdsReport;
  assertSound(report, truth, `seed ${BASE + 7} under RLIMIT_NOFILE 60`);
  const emfile = report.errors.filter((e) => e.syscall === 'pidfd_getfd' && e.errno === 'EMFILE');
  assert.ok(emfile.length > 0, 'a bucket with more descriptions than the budget');
  assert.match(emfile[0]?.message ?? '', /raise the limit \(ulimit -n\)/);
  // The processes hold still: every row names the errno that really happened (no EAGAIN for a "changing"
  // bucket that only met the limit while it was checked).
  assert.deepEqual(
    report.errors.filter((e) => e.errno !== 'EMFILE' && e.errno !== 'EPERM'),
    [],
  );
  assert.ok(report.descriptions.some((d) => d.certain && d.method === 'borrowed-dupfd-query'));
});

test('kcmp tasks under every blocking mode: tasks listed, none grouped, certain: false, and why', async (t) => {
  const f = await mkfds(t, 'random', [String(BASE), '3', '20']);
  if (!f) return;
  const pids = Object.values(f.pids).join(',');
  const runs = ['eperm', 'enosys', 'kill'].map(async (mode) => {
    const r = await runCliAsync(['tasks', '-p', pids, '--json'], {
      wrapper: seccompWrapper(mode as SeccompMode),
    });
    assert.equal(r.signal, null, `[${mode}] died of ${r.signal}`);
    assert.equal(r.code, 0, `[${mode}] ${r.stderr}`);
    assertValid('kcmp.tasks/1', r.stdout);
    const report = JSON.parse(r.stdout) as TasksReport;
    assert.equal(report.certain, false, mode);
    assert.deepEqual(Object.values(report.groups), [null, null, null, null, null, null], mode);
    assert.deepEqual(report.relations, [], mode);
    assert.deepEqual(
      report.tasks.map((task) => task.pid),
      Object.values(f.pids),
      mode,
    );
    const row = report.errors.find((e) => e.pid === null && e.kind === null);
    // Only an errno kcmp answered: under a kill policy the probe died of SIGSYS and no call returned.
    const expected = {
      eperm: { reason: 'denied', syscall: 'kcmp', errno: 'EPERM' },
      enosys: { reason: 'unsupported', syscall: 'kcmp', errno: 'ENOSYS' },
      kill: { reason: 'seccomp-kill', syscall: null, errno: null },
    }[mode];
    assert.deepEqual({ reason: row?.reason, syscall: row?.syscall, errno: row?.errno }, expected, mode);
    assert.match(row?.message ?? '', WHY[mode] as RegExp, mode);
    assert.match(r.stderr, /^kcmp: kcmp cannot be used: .*none is grouped/, mode);
  });
  const plain = runCliAsync(['tasks', '-p', pids, '--json']).then((r) => {
    assert.equal(r.stderr, '');
    assert.equal((JSON.parse(r.stdout) as TasksReport).certain, true);
  });
  await Promise.all([...runs, plain]);
});

test('kcmp doctor names each blocking situation and its remedy, --borrow included', async (t) => {
  const doctor = async (wrapper: string[]) => {
    const r = await runCliAsync(['doctor', '--json'], { wrapper });
    assert.equal(r.code, 0, r.stderr);
    const limits = (JSON.parse(r.stdout) as { limits: { what: string; remedy: string }[] }).limits;
    return limits.map((l) => `${l.what} => ${l.remedy}`).join('\n');
  };
  const userns = spawnSync('unshare', ['-U', '-r', 'true']).status === 0;
  const [eperm, both, enosys, kill, nested] = await Promise.all([
    doctor(seccompWrapper('eperm')),
    doctor(seccompWrapper('eperm+getfd')),
    doctor(seccompWrapper('enosys')),
    doctor(seccompWrapper('kill')),
    userns ? doctor(['unshare', '-U', '-r']) : Promise.resolve(''),
  ]);
  assert.match(
    eperm,
    /kcmp cannot be used: .*EPERM.*or exactly with --borrow.* => .*--cap-add SYS_PTRACE.*--security-opt seccomp=/,
  );
  assert.doesNotMatch(both, /or exactly with --borrow/);
  assert.match(
    both,
    /--borrow cannot work: pidfd_getfd: .*EPERM.* => .*--cap-add SYS_PTRACE \(podman allows it by default\)/,
  );
  assert.match(enosys, /kcmp tasks groups no task => .*CONFIG_KCMP=y/);
  assert.match(kill, /SIGSYS.* => .*SystemCallFilter=/);
  if (!userns) return t.skip('unshare -U is not available here');
  assert.match(
    nested,
    /user namespace: .*CAP_SYS_PTRACE in the target's user namespace.* => run kcmp in the initial user namespace/,
  );
});
