/**
 * Every report validates against the JSON Schema the package ships for it (schemas/, generated from the
 * report types by scripts/schemas.mjs), checked with a real validator (ajv) on real output of processes
 * the test starts; and the committed schemas are what the types give now, so they cannot drift.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ajv = new Ajv({ allErrors: true, strict: true });

function assertValid(schemaName: string, stdout: string): void {
  const doc = JSON.parse(stdout) as { schema?: string };
  assert.equal(doc.schema, schemaName, 'the report names its schema');
  const file = join(ROOT, 'schemas', `${schemaName.replace('/', '-')}.json`);
  const validate =
    ajv.getSchema(`urn:kcmp:schema:${schemaName}`) ?? ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  assert.ok(validate(doc), `${schemaName}: ${ajv.errorsText(validate.errors)}`);
}

test('the committed schemas are what the report types give', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'schemas.mjs'), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('fds, tasks, leaks, same and doctor output validate against their schemas', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const pids = Object.values(f.pids).join(',');
  const main = String(f.pids.main);
  assertValid('kcmp.fds/1', runCli(['fds', '-p', pids, '--all', '-J', '-o', '+POS,FLAGS,MNTID']).stdout);
  assertValid('kcmp.tasks/1', runCli(['tasks', '-p', pids, '-J']).stdout);
  assertValid('kcmp.leaks/1', runCli(['leaks', '--tree', main, '-J']).stdout);
  assertValid('kcmp.same/1', runCli(['same', '--json', `${main}:0`, `${main}:1`]).stdout);
  assertValid('kcmp.same/1', runCli(['same', '--json', `${main}:0`, `${f.pids.child}:0`]).stdout);
  assertValid('kcmp.doctor/1', runCli(['doctor', '--json']).stdout);
});

test('epoll output validates against its schema', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  assertValid('kcmp.epoll/1', runCli(['epoll', String(f.pids.main), String(f.fds.epoll), '-J']).stdout);
});
