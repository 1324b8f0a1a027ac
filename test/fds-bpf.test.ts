/**
 * `kcmp fds --engine bpf`: the task_file BPF iterator proposes, kcmp proves. On random trees its partition
 * must equal the kcmp engine's and the pidfd_getfd + F_DUPFD_QUERY oracle's; under churn (fds closed and
 * reopened while the pass runs, so a freed struct file's address can come back for a new file) it must
 * never report a false "same" — and the test runs passes until it has seen kcmp refute such proposals, or
 * fails: a run that never met a reused address proves nothing; no output may carry a kernel address; and
 * auto must fall back to kcmp, saying why, as an unprivileged user and without BTF.
 *
 * Needs root and /sys/kernel/btf/vmlinux for the bpf runs (skipped, saying why, otherwise).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { TaskFileIterator } from '../src/bpf/task-file-iter.js';
import type { KcmpCall } from '../src/compare/kcmp-comparison.js';
import { proveProposal } from '../src/inspect/fds/bpf-proof.js';
import { bucketRows, identify } from '../src/inspect/fds/buckets.js';
import { bpfBlocker } from '../src/inspect/fds/fd-engine.js';
import { type FdRows, tableOf } from '../src/inspect/fds/fd-rows.js';
import { readRowsBpf } from '../src/inspect/fds/fd-rows-bpf.js';
import { fdTables } from '../src/inspect/fds/fd-tables.js';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { allocVerdicts } from '../src/inspect/fds/verdicts.js';
import { FdDirs } from '../src/procfs/fd-dir.js';
import { selectProcesses } from '../src/procfs/select.js';
import { sysDupfdQuery } from '../src/sys/fcntl.js';
import { sysKcmp } from '../src/sys/kcmp.js';
import { mkfds, startFixture } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { assertChurnSound, fdsJson, oracle, partition } from './helpers/fds.js';
import { nobodyWrapper } from './helpers/nobody.js';
import { decided } from './helpers/verdicts.js';

const BASE = Number(process.env.KCMP_TEST_SEED ?? Math.floor(Math.random() * 1e6));

/** Why the bpf engine cannot be tested here, or undefined. */
function noBpf(): string | undefined {
  return bpfBlocker() ?? undefined;
}

test('bpf engine: the partition equals the kcmp engine and the oracle on random trees', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  if (sysDupfdQuery(0, 0) < 0) return t.skip('F_DUPFD_QUERY (the oracle) needs Linux 6.10');
  const topologies = [
    { procs: 3, fds: 120, args: [] },
    { procs: 5, fds: 200, args: ['--paranoid'] },
    { procs: 20, fds: 30, args: [] }, // more processes than pid-filtered passes: one whole-machine pass
  ];
  for (const [i, topology] of topologies.entries()) {
    const seed = BASE + i;
    const how = `seed ${seed}: mkfds random ${seed} ${topology.procs} ${topology.fds} (KCMP_TEST_SEED=${BASE})`;
    const f = await mkfds(t, 'random', [String(seed), String(topology.procs), String(topology.fds)]);
    if (!f) return;
    const pids = Object.values(f.pids).join(',');
    const bpf = fdsJson(['-p', pids, '--all', '--engine', 'bpf', ...topology.args]);
    const kcmp = fdsJson(['-p', pids, '--all', '--engine', 'kcmp', ...topology.args]);
    assert.equal(bpf.stats.engine, 'bpf', how);
    assert.equal(kcmp.stats.engine, 'kcmp', how);
    assert.deepEqual(bpf.errors, [], how);
    assert.ok(
      bpf.descriptions.every((d) => d.certain),
      how,
    );
    const truth = oracle(Object.values(f.pids));
    assert.deepEqual(partition(bpf), truth, `${how}: bpf vs the oracle`);
    assert.deepEqual(partition(kcmp), truth, `${how}: kcmp vs the oracle`);
    // Sockets keep their kernel guarantee (one struct file per socket inode) unless --paranoid.
    const shared = bpf.descriptions.filter((d) => d.holders.length > 1 && d.method === 'kcmp');
    const proofs = shared.reduce((n, d) => n + d.holders.length - 1, 0);
    assert.ok(bpf.stats.comparisons >= proofs, `${how}: every shared description proven by kcmp`);
    assert.deepEqual(
      bpf.descriptions.map((d) => [d.name, d.type, d.dev, d.ino]),
      kcmp.descriptions.map((d) => [d.name, d.type, d.dev, d.ino]),
      `${how}: names, kinds and inodes as /proc has them`,
    );
    await f.stop();
  }
});

/**
 * Churners for the reuse test. The more there are, the faster struct files are freed and allocated while
 * a pass runs, and the more often an address the pass saw for one file comes back for another. Measured
 * here, passes in which kcmp refuted a proposal: 1 to 6 in 60 with 3 churners, 21 to 29 in 60 with 8
 * (which take about one core of two, for the second or so the test needs).
 */
const CHURNERS = 8;
/** How many times the reuse test waits for kcmp to refute a proposal, in at most MAX_PASSES passes (about
 * 30 ms each). */
const WANTED = 3;
const MAX_PASSES = 150;

/** What the proof of one compare bucket met, and what it decided; fds as "tid:fd". */
interface BucketProof {
  /** Proposed classes (fds of one struct file key) of more than one fd that hold a churn fd. */
  reused: string[][];
  /** Pairs kcmp answered "different" for (1, 2 or 3): fds of one proposed class that hold two files. */
  refuted: [string, string][];
  /** The classes the proof let stand, or null: the bucket goes to binary insertion. */
  proven: string[][] | null;
}

/**
 * One bpf pass over the tree of `root`, read as the engine reads it (fd-rows-bpf.ts), and each compare
 * bucket proven as the engine proves it (bpf-proof.ts), through a kcmp call that records the answers.
 * `top`: the churn fixture's first churn fd. A churn fd's file is held by that one fd only, so a proposed
 * class that holds one with any other fd joined two struct files that had one address at two moments of
 * the pass: the address was freed and reused. (A reused address with another inode falls in another
 * bucket: no proof meets it.)
 */
function provePass(root: number, top: number): BucketProof[] {
  const iterator = TaskFileIterator.load();
  let rows: FdRows & { fileKey: Int32Array };
  try {
    const { tables } = fdTables(selectProcesses({ kind: 'tree', root }));
    rows = readRowsBpf(iterator, tables) as FdRows & { fileKey: Int32Array };
  } finally {
    iterator.close();
  }
  const name = (row: number) => `${tableOf(rows, row).tid}:${rows.fd[row]}`;
  const buckets = identify(rows, false);
  const proofs: BucketProof[] = [];
  for (let b = 0; b < buckets.plan.length; b++) {
    if (buckets.plan[b] !== 'compare') continue;
    const members = bucketRows(buckets, b);
    const byKey = new Map<number, number[]>();
    for (const row of members) {
      const key = rows.fileKey[row] as number;
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    const reused = [...byKey.values()]
      .filter((c) => c.length > 1 && c.some((row) => (rows.fd[row] as number) >= top))
      .map((c) => c.map(name));
    const refuted: [string, string][] = [];
    const call: KcmpCall = (pid1, pid2, type, idx1, idx2) => {
      const r = sysKcmp(pid1, pid2, type, idx1, idx2);
      if (r > 0) refuted.push([`${pid1}:${idx1}`, `${pid2}:${idx2}`]);
      return r;
    };
    const verdicts = allocVerdicts(rows.errno, false);
    const dirs = new FdDirs();
    const proof = proveProposal(rows, members, verdicts, dirs, call);
    dirs.close();
    const classes = decided(verdicts, members).classes;
    proofs.push({ reused, refuted, proven: proof.proven ? classes.map((c) => c.map(name)) : null });
  }
  return proofs;
}

test('bpf engine under churn: a reused struct file address never makes a false "same"', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const f = await mkfds(t, 'churn', [String(CHURNERS)]);
  if (!f) return;
  const top = Number(f.values.stableTop);
  const main = f.pids.main as number;
  const churnFd = (fd: string) => Number(fd.split(':')[1]) >= top;
  // Passes until kcmp has refuted proposals WANTED times: a run in which no proof met a reused address
  // proves nothing.
  let passes = 0;
  let reused = 0;
  let refuted = 0;
  while (passes < MAX_PASSES && refuted < WANTED) {
    passes++;
    for (const bucket of provePass(main, top)) {
      const where = `pass ${passes}, proposals ${JSON.stringify(bucket.reused)}`;
      reused += bucket.reused.length;
      refuted += bucket.refuted.length;
      for (const members of bucket.proven ?? []) {
        if (members.length < 2) continue;
        assert.deepEqual(members.filter(churnFd), [], `${where}: false "same": ${members.join(' ')}`);
        for (const [a, b] of bucket.refuted)
          assert.ok(!(members.includes(a) && members.includes(b)), `${where}: ${a} ≠ ${b} by kcmp, yet one`);
      }
    }
  }
  t.diagnostic(
    `${passes} passes: ${reused} proposals joined a reused address; kcmp refuted ${refuted} pairs`,
  );
  assert.ok(
    refuted >= WANTED,
    `kcmp refuted ${refuted} pairs of proposed fds in ${passes} passes (${reused} proposals joined a reused address), not ${WANTED}: the proof never met the reuse it guards against, so this run proves nothing`,
  );
  // And the engine end to end under the same churn (the fallback for a refuted bucket, the re-stat, the
  // report): sound whether or not an address came back during these runs.
  for (let round = 0; round < 3; round++) {
    const report = fdsJson(['--tree', String(main), '--all', '--engine', 'bpf']);
    assert.equal(report.stats.engine, 'bpf');
    // A bucket whose proof failed is the kcmp engine's, which may list fds apart as uncertain while
    // processes exit under it (never merged).
    assertChurnSound(report, top, `round ${round}`);
  }
});

test('no output of the bpf engine carries a kernel address', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const f = await mkfds(t, 'random', [String(BASE), '4', '150']);
  if (!f) return;
  const pids = Object.values(f.pids).join(',');
  const outputs = [
    runCli(['fds', '-p', pids, '--all', '--json', '--engine', 'bpf']),
    runCli([
      'fds',
      '-p',
      pids,
      '--all',
      '--engine',
      'bpf',
      '-o',
      'DESC,PID,TID,COMMAND,FD,TYPE,MODE,POS,FLAGS,MNTID,DEV,INODE,NAME,METHOD,CERTAIN,HOLDERS',
    ]),
    runCli(['fds', '-p', pids, '--all', '--engine', 'bpf', '--format', 'dot']),
  ];
  for (const r of outputs) {
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout + r.stderr;
    // x86_64 and arm64 kernel addresses start with 0xffff; as decimal they are ~1.8e19.
    assert.doesNotMatch(text, /(0x)?ffff[0-9a-f]{8,}/i);
    assert.doesNotMatch(text, /\b1[0-9]{19}\b|e\+1[89]/);
  }
  const report = JSON.parse(outputs[0]?.stdout ?? '') as FdsReport;
  const numbers: number[] = [];
  JSON.stringify(report, (_, v) => {
    if (typeof v === 'number') numbers.push(v);
    return v;
  });
  assert.ok(numbers.length > 100);
  assert.ok(
    numbers.every((n) => Number.isSafeInteger(n) && n < 2 ** 48),
    'every number is a pid, fd, inode or count',
  );
  await f.stop();
});

test('auto and --engine bpf fall back to kcmp, saying why: as nobody, and without BTF', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run as nobody and to compare with bpf');
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv is not installed');
  const nobody = nobodyWrapper(); // staged where nobody can reach it, if the checkout is not
  const theirs = await startFixture('random', [String(BASE), '2', '40'], { wrapper: nobody });
  t.after(() => theirs.stop());
  const pids = Object.values(theirs.pids).join(',');
  const runs = [
    { what: 'nobody', wrapper: nobody, why: /not root: .*CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN/ },
    {
      what: 'no BTF',
      wrapper: ['env', 'KCMP_BTF=/nonexistent/vmlinux'],
      why: /no kernel BTF at \/nonexistent/,
    },
  ];
  for (const { what, wrapper, why } of runs) {
    const auto = fdsJson(['-p', pids, '--all'], { wrapper });
    assert.equal(auto.stats.engine, 'kcmp', what);
    const asked = runCli(['fds', '-p', pids, '--all', '--json', '--engine', 'bpf'], { wrapper });
    assert.equal(asked.code, 0, `${what}: ${asked.stderr}`);
    assert.match(asked.stderr, /^kcmp: --engine bpf cannot run: /, what);
    assert.match(asked.stderr, why, what);
    const report = JSON.parse(asked.stdout) as FdsReport;
    assert.equal(report.stats.engine, 'kcmp', what);
    assert.deepEqual(partition(report), partition(auto), what);
    const doctor = runCli(['doctor'], { wrapper });
    assert.match(doctor.stdout, /^fds engine +kcmp \(auto\): bpf cannot run: /m, what);
    assert.match(doctor.stdout, why, what);
  }
  const rootDoctor = runCli(['doctor', '--json']);
  const policy = (JSON.parse(rootDoctor.stdout) as { fdsEngine: { large: string; small: string } }).fdsEngine;
  if (!noBpf())
    assert.deepEqual([policy.large, policy.small], ['bpf', 'kcmp'], 'root with BTF: bpf for large scans');
});

test('KCMP_BTF naming a device or a FIFO: --engine bpf falls back to kcmp at once, saying why', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const f = await mkfds(t, 'fork');
  if (!f) return;
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-btf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'fifo');
  const cases = [['/dev/zero', 'a character device']]; // read to its end, it never ends
  if (spawnSync('mkfifo', [fifo]).status === 0) cases.push([fifo, 'a FIFO']); // its open(2) waits for a writer
  for (const [path, kind] of cases) {
    const r = runCli(['fds', '-p', String(f.pids.main), '--engine', 'bpf'], {
      wrapper: ['env', `KCMP_BTF=${path}`],
    });
    assert.equal(r.signal, null, `${path}: it ends by itself`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `kcmp: --engine bpf cannot run: cannot read the kernel's BTF at ${path}: ${kind}, not a regular file; ` +
        'the kcmp engine runs instead\n',
    );
  }
});

test('bpf engine: threads, CLONE_FILES, an unshared table and an exited leader read as the kcmp engine reads them', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const holders = (report: FdsReport) =>
    report.descriptions.map((d) => d.holders.map((h) => `${h.pid}:${h.tid ?? ''}:${h.fd}`));
  const selected: Record<string, string[]> = {
    tasks_clone: ['main', 'files'],
    kernel_leader_exit: ['leaderExit'],
    dups: ['main'],
    fork: ['main', 'child'],
  };
  for (const [scenario, names] of Object.entries(selected)) {
    const f = await mkfds(t, scenario);
    if (!f) return;
    const pids = names.map((n) => f.pids[n]).join(',');
    const bpf = fdsJson(['-p', pids, '--all', '--engine', 'bpf']);
    const kcmp = fdsJson(['-p', pids, '--all', '--engine', 'kcmp']);
    assert.equal(bpf.stats.engine, 'bpf', scenario);
    assert.deepEqual(holders(bpf), holders(kcmp), scenario);
    assert.deepEqual(bpf.processes, kcmp.processes, `${scenario}: fdTableOf as kcmp finds it`);
    assert.deepEqual(bpf.errors, kcmp.errors, scenario);
    await f.stop();
  }
});

test('bpf engine: names come from the pass, byte for byte as the kcmp engine reads them through /proc', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const f = await mkfds(t, 'names');
  if (!f) return;
  const pids = `${f.pids.main},${f.pids.child}`;
  const dir = String(f.values.dir);
  // A deleted file held open, and a path longer than the pass's room for a name (the link is read then).
  const long = `${dir}${'d'.repeat(250)}/${'e'.repeat(250)}/file`; // > NAME_ROOM (416)
  mkdirSync(dirname(long), { recursive: true });
  writeFileSync(long, '');
  writeFileSync(`${dir}deleted`, '');
  const holder = spawn(
    'sh',
    ['-c', `exec 5<"$1" 6<"$2"; rm "$2"; echo ready; exec sleep 60`, 'sh', long, `${dir}deleted`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  t.after(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  const args = ['-p', `${pids},${holder.pid}`, '--all'];
  const names = (report: FdsReport) =>
    report.descriptions.map((d) => [d.name, (d as { nameBytes?: string }).nameBytes]);
  const bpf = fdsJson([...args, '--engine', 'bpf']);
  const kcmp = fdsJson([...args, '--engine', 'kcmp']);
  assert.equal(bpf.stats.engine, 'bpf');
  assert.deepEqual(names(bpf), names(kcmp));
  const all = bpf.descriptions.map((d) => d.name);
  assert.ok(all.includes(long), 'the long path, read through /proc');
  assert.ok(all.includes(`${dir}deleted (deleted)`), 'a deleted file, as readlink names it');
  assert.ok(
    all.some((n) => n.endsWith('/bad\ufffdbyte')),
    'a name that is not UTF-8',
  );
});

test('a description is labelled with what decided it: bpf-pass for one told apart by the pass alone', async (t) => {
  const why = noBpf();
  if (why) return t.skip(why);
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const main = String(f.pids.main);
  const methodOf = (report: FdsReport, fd: number) =>
    report.descriptions.find((d) => d.holders.some((h) => h.fd === fd))?.method;
  const bpf = fdsJson(['-p', main, '--all', '--engine', 'bpf']);
  const kcmp = fdsJson(['-p', main, '--all', '--engine', 'kcmp']);
  // fd `file` and its dups share one description: kcmp proved it; `otherOpen` is a second open() of the
  // file, alone in the pass's struct file: no kcmp call decided it under bpf, one did under kcmp.
  assert.equal(methodOf(bpf, f.fds.file as number), 'kcmp');
  assert.equal(methodOf(bpf, f.fds.otherOpen as number), 'bpf-pass');
  assert.equal(methodOf(kcmp, f.fds.otherOpen as number), 'kcmp');
  assert.equal(bpf.stats.engine, 'bpf');
});
