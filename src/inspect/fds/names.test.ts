/** Reading the names of descriptions: a name that cannot be read is an error row, never silence. */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { decided } from '../../../test/helpers/verdicts.js';
import { allocFdColumns } from '../../procfs/fds.js';
import type { FdRows } from './fd-rows.js';
import { Problems } from './fds-problems.js';
import { confirmByName, readNames } from './names.js';
import { allocVerdicts } from './verdicts.js';

/** An fd number this process never has open (the runner's soft RLIMIT_NOFILE is far below it): readlink
 * and stat of it are ENOENT. Not one we close: the runner may reuse a closed number at any time. */
const closed = 99_999;

/** Rows of fds of OUR process (the test opens and closes them itself), one table. */
function ownRows(
  fds: readonly number[],
  stats: readonly { dev: number; ino: number; mode?: number }[],
): FdRows {
  const cols = allocFdColumns(fds.length);
  fds.forEach((fd, i) => {
    cols.fd[i] = fd;
    cols.dev[i] = stats[i]?.dev ?? 0;
    cols.ino[i] = stats[i]?.ino ?? 0;
    cols.mode[i] = stats[i]?.mode ?? 0;
  });
  const table = { pid: process.pid, tid: process.pid, sharedBy: [], compared: true };
  return { ...cols, tables: [table], table: new Int32Array(fds.length) };
}

test('readNames: a description no holder of which can be read gets an error row naming the call and errno', async () => {
  const open = openSync('/proc/self/status', 'r');
  const reused = openSync('/proc/self/stat', 'r');
  try {
    const st = fstatSync(open);
    const other = fstatSync(reused);
    const gone = { dev: st.dev, ino: st.ino };
    const rows = ownRows([open, closed, reused], [st, gone, { dev: other.dev, ino: other.ino + 1 }]);
    const problems = new Problems();
    const { names } = await readNames(rows, [[0], [1], [2]], undefined, problems);
    assert.match(names[0] as string, /^\/proc\/\d+\/status$/);
    assert.deepEqual(names.slice(1), ['', '']);
    assert.deepEqual(
      problems.list().map((e) => [e.fd, e.syscall, e.errno, e.reason ?? null]),
      [
        [reused, null, null, 'reused'],
        [closed, 'readlink', 'ENOENT', null],
      ],
    );
  } finally {
    closeSync(open);
    closeSync(reused);
  }
});

test('readNames: a first holder that is gone hands over to the next one, and no error row is made', async () => {
  const open = openSync('/proc/self/status', 'r');
  try {
    const st = fstatSync(open);
    const rows = ownRows([closed, open], [st, st]);
    const problems = new Problems();
    const { names } = await readNames(rows, [[0, 1]], undefined, problems);
    assert.match(names[0] as string, /^\/proc\/\d+\/status$/);
    assert.deepEqual(problems.list(), []);
  } finally {
    closeSync(open);
  }
});

test("readNames: a socket is named socket:[INO] with the kernel's name of its protocol, read in the readlink's place and checked by the stat after it", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    // libuv's TCP handle: the listening socket's fd in this process
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const st = fstatSync(fd);
    const other = { dev: st.dev, ino: st.ino + 1, mode: st.mode };
    const rows = ownRows([fd, fd], [st, other]);
    const problems = new Problems();
    const read = await readNames(rows, [[0], [1]], undefined, problems);
    assert.deepEqual(read, { names: [`socket:[${st.ino}]`, ''], protocols: ['TCP', ''] });
    assert.deepEqual(
      problems.list().map((e) => [e.fd, e.reason ?? null]),
      [[fd, 'reused']],
      'an fd that holds another socket than the one scanned lends it neither its name nor its protocol',
    );
  } finally {
    server.close();
  }
});

test('confirmByName: the name check of an fd left unconfirmed is its re-stat: gone or reused, it is left out', async () => {
  const open = openSync('/proc/self/status', 'r');
  const reused = openSync('/proc/self/stat', 'r');
  try {
    const st = fstatSync(open);
    const other = fstatSync(reused);
    const rows = ownRows([open, closed, reused, open], [st, st, { dev: other.dev, ino: other.ino + 1 }, st]);
    const v = allocVerdicts(rows.errno, false);
    v.unconfirmed.set([1, 1, 1, 0]); // the last was stat'ed by the group stage: not named here
    const named = await confirmByName(rows, v, undefined);
    assert.deepEqual([...named.keys()], [0]);
    assert.match(named.get(0)?.name as string, /^\/proc\/\d+\/status$/);
    assert.deepEqual(decided(v, [0, 1, 2, 3]).fates, [
      [1, { kind: 'failed', syscall: 'stat', errno: 'ENOENT' }],
      [2, { kind: 'reused' }],
    ]);
    const problems = new Problems();
    const confirmed = new Map([[0, { name: 'as confirmed', protocol: '' }]]);
    const { names } = await readNames(rows, [[0], [3]], undefined, problems, confirmed);
    assert.deepEqual(names, ['as confirmed', named.get(0)?.name], 'a confirmed name is not read again');
  } finally {
    closeSync(open);
    closeSync(reused);
  }
});
