/**
 * `kcmp fds` error rows that must name the right process, task and cause: a zombie (no fd table left) is
 * an error row as in `kcmp tasks`, never silently nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { pick } from './helpers/kernel.js';

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
