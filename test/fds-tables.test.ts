/**
 * Processes that share one fd table (CLONE_FILES): the table is read once, and every process holding it
 * is a holder of each of its fds (kcmp.fds/1: every fd of the selection in exactly one description), the
 * others marked `fdTable`. A shared table is no leak — neither when kcmp proves it nor when kcmp is
 * blocked and the tables cannot be compared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaksReport } from '../src/inspect/leaks/leaks-report.js';
import { mkfds } from './fixture/mkfds.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { pick } from './helpers/kernel.js';

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
  assert.equal(report.stats.fds, 2 * mainFds.length, 'stats count every holder');
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
