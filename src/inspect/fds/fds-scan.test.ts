/** Listing and reading fd tables in slices, on this thread (the workers run the same slice code). */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import type { FdTable } from './fd-tables.js';
import { scanTables } from './fds-scan.js';

test('scanTables reads every fd of a table once, in order, and reports a table it cannot list', async () => {
  const self: FdTable = { pid: process.pid, tid: process.pid, sharedBy: [], compared: true };
  const gone: FdTable = { pid: 2 ** 22 + 1, tid: 2 ** 22 + 1, sharedBy: [], compared: true }; // above pid_max: never exists
  const unlisted: [number, string][] = [];
  const progress: number[] = [];
  const scan = await scanTables(
    [self, gone, self],
    undefined,
    (table, errno) => unlisted.push([table.pid, errno]),
    (done) => progress.push(done),
  );
  assert.deepEqual(unlisted, [[gone.pid, 'ENOENT']]);
  assert.deepEqual(scan.listed, [self, self]);
  const fds = Array.from(scan.cols.fd);
  const half = fds.length / 2;
  assert.ok(Number.isInteger(half) && half > 0);
  assert.deepEqual(
    fds.slice(0, 3),
    readdirSync(`/proc/${process.pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b)
      .slice(0, 3),
  );
  assert.deepEqual(Array.from(scan.tableOf), [...Array(half).fill(0), ...Array(half).fill(1)]);
  assert.equal(progress.at(-1), fds.length);
});
