/**
 * Processes that share one fd table (CLONE_FILES): the table is read once, and every process holding it
 * is a holder of each of its fds (kcmp.fds/2: every fd of the selection in exactly one description), the
 * others marked `fdTable`. A shared table is no leak — neither when kcmp proves it nor when kcmp is
 * blocked and the tables cannot be compared. A sharer that exits while the table is read through it takes
 * none of the others' fds along.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import type { LeaksReport } from '../src/inspect/leaks/leaks-report.js';
import { listFds } from '../src/procfs/fds.js';
import { isZombie } from '../src/procfs/stat.js';
import { fdsGraph } from '../src/report/graph-fds.js';
import { fdsPicture } from '../src/report/pictures.js';
import { mkfds } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { runCli } from './helpers/cli.js';
import { fdsJson, scanHere } from './helpers/fds.js';
import { pick } from './helpers/kernel.js';
import { waitStat } from './helpers/wait.js';

test('a CLONE_FILES child holds every fd of the table it shares: holders, table rows, stats', async (t) => {
  const f = await mkfds(t, 'files_shared');
  if (!f) return;
  const { main, files } = pick(f.pids, 'main', 'files');
  const fd = pick(f.fds, 'file', 'dup', 'sock0');
  const report = fdsJson(['-p', `${main},${files}`, '--all']);
  assert.equal(report.processes.find((p) => p.pid === files)?.fdTableOf, main);
  const holders = report.descriptions.flatMap((d) => d.holders);
  const mainFds = holders.filter((h) => h.pid === main).map((h) => h.fd);
  const childFds = holders.filter((h) => h.pid === files).map((h) => h.fd);
  assert.ok(mainFds.length > 4);
  assert.deepEqual(childFds, mainFds, 'the child holds exactly the fds of the table, once each');
  assert.ok(holders.filter((h) => h.pid === files).every((h) => h.fdTable === main));
  assert.ok(holders.filter((h) => h.pid === main).every((h) => h.fdTable === undefined));
  assert.equal(report.stats.fds, mainFds.length, 'stats count each fd of the table once');
  assert.equal(report.stats.shared, 1, 'one description held by two fds: file and its dup');
  const file = report.descriptions.find((d) => d.holders.some((h) => h.pid === main && h.fd === fd.file));
  assert.deepEqual(
    file?.holders.map((h) => `${h.pid}:${h.fd}`),
    [`${main}:${fd.file}`, `${main}:${fd.dup}`, `${files}:${fd.file}`, `${files}:${fd.dup}`],
  );
  const sock = report.descriptions.find((d) => d.holders.some((h) => h.pid === main && h.fd === fd.sock0));
  assert.deepEqual(
    sock?.holders.map((h) => h.pid),
    [main, files],
  );

  const table = runCli(['fds', '-p', `${main},${files}`, '-r', '-n', '-o', 'PID,FD,NAME']);
  assert.equal(table.code, 0, table.stderr);
  for (const n of [fd.file, fd.dup]) {
    assert.match(table.stdout, new RegExp(`^${files} ${n} `, 'm'), `the table lists ${files}:${n} too`);
  }
});

test('a CLONE_FILES pair in the tables: the sharer rows name the table they are entries of, each fd counted once', async (t) => {
  const f = await mkfds(t, 'files_shared');
  if (!f) return;
  const { main, files } = pick(f.pids, 'main', 'files');
  const fd = pick(f.fds, 'file', 'dup');
  const count = listFds(main).length;
  const pids = `${main},${files}`;

  const table = runCli(['fds', '-p', pids]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.split('\n');
  assert.match(lines[0] ?? '', /^DESC +PID +FDTABLE +COMMAND +FD /, 'FDTABLE shown after PID');
  for (const n of [fd.file, fd.dup]) {
    assert.match(table.stdout, new RegExp(`^d\\d+ +${main} +\\S+ +${n} `, 'm'), `${main}:${n}: no FDTABLE`);
    assert.match(table.stdout, new RegExp(`^d\\d+ +${files} +${main} +\\S+ +${n} `, 'm'), `${files}:${n}`);
  }
  assert.match(
    table.stdout,
    new RegExp(`^2 processes, ${count} fds in \\d+ descriptions \\(1 shared\\), 0 errors, `, 'm'),
    'the summary counts each fd of the table once',
  );
  assert.match(
    table.stdout,
    new RegExp(`^${files} shares files with ${main} \\(CLONE_FILES\\): one fd table, `, 'm'),
    'a footnote says so, in the words of kcmp tasks',
  );
  const raw = runCli(['fds', '-p', pids, '-r', '-n', '-o', 'PID,FDTABLE,FD', '-Q', `FD == ${fd.dup}`]);
  assert.equal(raw.stdout, `${main}  ${fd.dup}\n${files} ${main} ${fd.dup}\n`);

  const view = runCli(['fds', '-p', pids, '-D', '-o', 'DESC,HOLDERS,HELDBY']);
  assert.equal(view.code, 0, view.stderr);
  const shared = view.stdout.split('\n').filter((l) => /^d\d+ /.test(l));
  assert.equal(shared.length, 1, view.stdout);
  assert.match(
    shared[0] ?? '',
    new RegExp(`^d\\d+ +2 ${main} \\S+ .*fds ${fd.file},${fd.dup} \\(fd table shared with ${files}\\)$`),
    'two fds, held by main, whose table the child shares',
  );
  assert.match(view.stdout, new RegExp(`^${files} shares files with ${main} `, 'm'));
});

test('a CLONE_FILES pair in pictures and metrics: the sharer draws no fd twice, and the figures count each once', async (t) => {
  const f = await mkfds(t, 'files_shared');
  if (!f) return;
  const { main, files } = pick(f.pids, 'main', 'files');
  const fd = pick(f.fds, 'file');
  const count = listFds(main).length;
  const pids = `${main},${files}`;
  const report = fdsJson(['-p', pids, '--all', '-o', '+PEERS']);
  const graph = fdsGraph(report);
  assert.equal(graph.title, '2 processes, 1 shared description');
  const file = report.descriptions.find((d) => d.holders.some((h) => h.fd === fd.file))?.id;
  assert.deepEqual(
    graph.edges.filter((e) => e.to === `desc-${file}`).map((e) => e.from),
    [`pid-${main}`],
  );
  const label = (pid: number) => graph.actors.find((a) => a.members.includes(pid))?.label;
  assert.deepEqual(label(files)?.slice(1), [`shares files with ${main} (CLONE_FILES)`]);
  assert.ok(label(main)?.includes(`+${count - 2} unshared fds`), `${label(main)}`);
  const html = await fdsPicture(report).html('pair');
  const listed = [...html.matchAll(/<tr data-keys="(d\d+) /g)].map((m) => m[1]);
  assert.deepEqual(
    listed,
    [file, file, file, file],
    'the page lists the one shared description, as kcmp fds',
  );

  const metrics = runCli(['metrics', '-p', pids, '--group-by', 'comm']);
  assert.equal(metrics.code, 0, metrics.stderr);
  const sum = (name: string) =>
    [...metrics.stdout.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  assert.equal(sum('process_unix_file_descriptors'), count);
  assert.equal(sum('kcmp_shared_open_file_descriptions'), 1);
});

test('kcmp leaks: a parent and its CLONE_FILES child share a table, not leaks — with kcmp, and with it blocked', async (t) => {
  const f = await mkfds(t, 'files_shared');
  if (!f) return;
  const { main, files } = pick(f.pids, 'main', 'files');
  const pids = `${main},${files}`;
  const leaks = (wrapper?: string[]): LeaksReport => {
    const r = runCli(['leaks', '-p', pids, '-J'], wrapper ? { wrapper } : {});
    assert.ok(r.stdout.startsWith('{'), `kcmp leaks: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as LeaksReport;
  };
  assert.deepEqual(leaks().leaks, [], 'kcmp proves one table');
  const blocked = seccompWrapper('eperm');
  assert.deepEqual(leaks(blocked).leaks, [], 'tables that cannot be compared prove no leak');
  const report = fdsJson(['-p', pids, '--all'], { wrapper: blocked });
  for (const p of report.processes) assert.equal(p.fdTableCompared, false, `${p.pid}: marked uncompared`);
  const sock = report.descriptions.find((d) => d.holders.some((h) => h.pid === main && h.fd === f.fds.sock0));
  assert.deepEqual(
    sock?.holders.map((h) => h.pid),
    [main, files],
    'listed apart, each still a holder',
  );
});

/** The sharers of a files_shared_exit fixture, and a scan of them that SIGKILLs the lowest pid still alive —
 * the sharer the table is read through (fd-tables.ts: under its first process) — each time a reading of
 * the table has stat'ed its fds (once per reading: the table is one job), `kills` times. */
async function scanKillingReaders(
  sharers: readonly number[],
  kills: number,
): Promise<{ report: FdsReport; killed: number[] }> {
  const killed: number[] = [];
  const report = await scanHere(sharers, {
    onProgress: (p) => {
      if (p.phase !== 'scan' || killed.length === kills) return;
      const reader = Math.min(...sharers.filter((pid) => !killed.includes(pid)));
      process.kill(reader, 'SIGKILL');
      waitStat(reader, (stat) => stat === undefined || isZombie(stat), 'exited');
      killed.push(reader);
    },
  });
  return { report, killed };
}

test('a CLONE_FILES sharer whose table is being read exits mid-scan: the table is read again through one that lives', async (t) => {
  const f = await mkfds(t, 'files_shared_exit', ['3']);
  if (!f) return;
  const sharers = Object.values(pick(f.pids, 'sharer1', 'sharer2', 'sharer3'));
  const fd = pick(f.fds, 'file', 'dup', 'sock0');
  const { report, killed } = await scanKillingReaders(sharers, 1);
  assert.equal(killed.length, 1, 'the race happened: the reader exited after its fds were read');
  const [reader] = killed as [number];
  const survivors = sharers.filter((pid) => pid !== reader).sort((a, b) => a - b);
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.syscall, e.reason ?? e.errno]),
    [[reader, null, 'replaced']],
    'the exited reader is said, and nothing else went wrong',
  );
  const holders = report.descriptions.flatMap((d) => d.holders);
  assert.ok(!holders.some((h) => h.pid === reader), 'the exited reader holds nothing');
  const fdsOf = (pid: number) => holders.filter((h) => h.pid === pid).map((h) => h.fd);
  for (const pid of survivors) {
    assert.deepEqual(fdsOf(pid), [...listFds(pid)], `${pid} holds every fd of the table, as /proc shows it`);
  }
  const file = report.descriptions.find((d) => d.holders.some((h) => h.fd === fd.file));
  assert.deepEqual(
    file?.holders.map((h) => `${h.pid}:${h.fd}`),
    survivors.flatMap((pid) => [`${pid}:${fd.file}`, `${pid}:${fd.dup}`]),
  );
  const sock = report.descriptions.find((d) => d.holders.some((h) => h.fd === fd.sock0));
  assert.ok(sock?.name.startsWith('socket:['), 'named through a sharer that lives');
  assert.equal(report.stats.fds, fdsOf(survivors[0] as number).length, 'one table: each fd counted once');
});

test('when every reading of a shared table loses its reader, the sharers that live get error rows, never silence', async (t) => {
  const f = await mkfds(t, 'files_shared_exit', ['4']);
  if (!f) return;
  const sharers = Object.values(pick(f.pids, 'sharer1', 'sharer2', 'sharer3', 'sharer4'));
  // The table is read three times at most: each reading's reader is killed.
  const { report, killed } = await scanKillingReaders(sharers, 3);
  assert.equal(killed.length, 3, 'the race happened in each of the three readings');
  const [survivor] = sharers.filter((pid) => !killed.includes(pid)) as [number];
  assert.deepEqual(report.descriptions, []);
  assert.equal(report.stats.fds, 0);
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.syscall, e.reason ?? e.errno]),
    [...killed.map((pid) => [pid, null, 'replaced']), [survivor, null, 'unsettled']].sort(
      (a, b) => (a[0] as number) - (b[0] as number),
    ),
  );
  const row = report.errors.find((e) => e.pid === survivor);
  assert.match(row?.message ?? '', new RegExp(`read through process ${killed[2]}, .* exited .* missing`));
});

test('a CLONE_FILES sharer whose thread calls execve mid-scan leaves the table: read again through the other, and said', async (t) => {
  const f = await mkfds(t, 'exec_held', ['shared']);
  if (!f) return;
  const { execer, filesSharer } = pick(f.pids, 'execer', 'filesSharer');
  if (filesSharer < execer) return t.skip('pids wrapped around: the table would be read through filesSharer');
  let execStarted = false;
  const report = await scanHere([execer, filesSharer], {
    // Once the table is read through execer: its execve starts, and the fixture holds it in de_thread
    // with execer's leader a zombie, so execer runs on but no longer reads (nor, once done, holds) it.
    onProgress: (p) => {
      if (p.phase !== 'scan' || execStarted) return;
      process.kill(execer, 'SIGUSR1');
      waitStat(execer, (stat) => stat?.state === 'Z', 'showed its leader a zombie');
      execStarted = true;
    },
  });
  assert.ok(execStarted, 'the race happened: the execve started after the table was read through execer');
  assert.deepEqual(
    report.errors.map((e) => [e.pid, e.syscall, e.reason]),
    [[execer, null, 'unsettled']],
  );
  assert.match(report.errors[0]?.message ?? '', /left the fd table it shared .* missing/);
  const holders = report.descriptions.flatMap((d) => d.holders);
  assert.ok(!holders.some((h) => h.pid === execer), 'execer holds nothing it could be said to hold');
  assert.deepEqual(
    holders.filter((h) => h.pid === filesSharer).map((h) => h.fd),
    [...listFds(filesSharer)],
    'the table, read again through filesSharer',
  );
});
