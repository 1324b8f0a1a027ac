/**
 * Every report validates against the JSON Schema the package ships for it (schemas/, generated from the
 * report types by scripts/schemas.mjs), checked with a real validator (ajv) on real output of processes
 * the test starts; and the committed schemas are what the types give now, so they cannot drift.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { assertValid, ROOT } from './helpers/schema.js';

test('the committed schemas are what the report types give', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'schemas.mjs'), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('fds, tasks, leaks, same, doctor and raw output validate against their schemas', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const pids = Object.values(f.pids).join(',');
  const main = String(f.pids.main);
  assertValid('kcmp.fds/2', runCli(['fds', '-p', pids, '--all', '-J', '-o', '+POS,FLAGS,MNTID']).stdout);
  assertValid('kcmp.tasks/1', runCli(['tasks', '-p', pids, '-J']).stdout);
  assertValid('kcmp.leaks/2', runCli(['leaks', '--tree', main, '-J']).stdout);
  assertValid('kcmp.container-leaks/2', runCli(['leaks', '--containers', '--tree', main, '-J']).stdout);
  assertValid('kcmp.same/1', runCli(['same', '--json', `${main}:0`, `${main}:1`]).stdout);
  assertValid('kcmp.same/1', runCli(['same', '--json', `${main}:0`, `${f.pids.child}:0`]).stdout);
  assertValid('kcmp.doctor/1', runCli(['doctor', '--json']).stdout);
  assertValid('kcmp.raw/1', runCli(['raw', main, main, 'vm', '-J']).stdout);
  assertValid('kcmp.raw/1', runCli(['raw', main, String(f.pids.child), 'file', '0', '0', '--json']).stdout);
});

test('epoll output validates against its schema', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  assertValid('kcmp.epoll/2', runCli(['epoll', String(f.pids.main), String(f.fds.epoll), '-J']).stdout);
});
