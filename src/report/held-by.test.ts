/** HELDBY on synthetic holders: one entry per process, processes with one title and the same fds folded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldBy } from './held-by.js';
import { processTitle } from './process-title.js';

test('processTitle: a "name: status" title over argv, else the comm', () => {
  assert.equal(
    processTitle('postgres', 'postgres: 16/main: checkpointer'),
    'postgres: 16/main: checkpointer',
  );
  assert.equal(processTitle('nginx', 'nginx: worker process'), 'nginx: worker process');
  assert.equal(processTitle('python3', '/usr/bin/python3 -m http.server 8000'), 'python3');
  assert.equal(processTitle('kworker/0:1', ''), 'kworker/0:1', 'a kernel thread has no cmdline');
  assert.equal(processTitle('postgres', null), 'postgres', 'not read');
});

test('heldBy: the master alone, the workers folded with their count; other fds or titles apart; lowest pid first', () => {
  const titles = new Map([[961, 'postgres: postmaster']]);
  const title = (pid: number, command: string) => titles.get(pid) ?? `${command}: backend`;
  const holders = [
    ...[1001, 1002, 1003].flatMap((pid) => [1, 2].map((fd) => ({ pid, fd, command: 'postgres' }))),
    { pid: 961, fd: 2, command: 'postgres' },
    { pid: 961, fd: 1, command: 'postgres' },
    { pid: 1004, fd: 1, command: 'postgres' },
  ];
  assert.deepEqual(heldBy(holders, title), [
    '961 postgres: postmaster fds 1,2',
    '3 × postgres: backend fds 1,2',
    '1004 postgres: backend fd 1',
  ]);
  assert.deepEqual(
    heldBy([{ pid: 7, fd: null, command: 'gone' }], (_, c) => c),
    ['7 gone'],
    'an error row',
  );
});
