/** Listing and reading fd tables in jobs, on this thread (the workers run the same job code). */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { mkfds } from '../../../test/fixture/mkfds.js';
import { readRows } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';
import { Problems } from './fds-problems.js';

test('readRows reads every fd of a table once, in order, and reports a table it cannot list', async (t) => {
  // A fixture's table, not our own: this process opens and closes fds at any time (the test runner's
  // pipes, its module loads), so two reads of our table need not agree. The fixture only waits: its table
  // stays as it made it.
  const f = await mkfds(t, 'dups');
  if (!f) return;
  const pid = f.pids.main as number;
  const table: FdTable = { pid, tid: pid, sharedBy: [], compared: true };
  const gone: FdTable = { pid: 2 ** 22 + 1, tid: 2 ** 22 + 1, sharedBy: [], compared: true }; // above pid_max: never exists
  const problems = new Problems();
  const progress: number[] = [];
  const rows = await readRows([table, gone, table], undefined, problems, (done) => progress.push(done));
  assert.deepEqual(
    problems.list().map((e) => [e.pid, e.syscall, e.errno]),
    [[gone.pid, 'readdir', 'ENOENT']],
  );
  assert.deepEqual(rows.tables, [table, table]);
  const expected = readdirSync(`/proc/${pid}/fd`)
    .map(Number)
    .sort((a, b) => a - b);
  assert.ok(expected.includes(f.fds.opathDup as number), 'the fixture holds the fds it reported');
  assert.deepEqual(Array.from(rows.fd), [...expected, ...expected]);
  const half = expected.length;
  assert.deepEqual(Array.from(rows.table), [...Array(half).fill(0), ...Array(half).fill(1)]);
  assert.equal(progress.at(-1), 2 * half);
});
