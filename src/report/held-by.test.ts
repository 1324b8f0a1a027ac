/** HELDBY on synthetic holders: one entry per process, processes with one title and the same fds folded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport } from '../inspect/fds/fds-report.js';
import { renderFdsTable } from './fds-table.js';
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
  assert.deepEqual(
    heldBy([{ pid: 8, fd: 4, command: '' }], (_, c) => c),
    ['8 fd 4'],
    'a process not listed',
  );
});

test("heldBy: a process sharing another's fd table is named beside it, its fds not counted again; folded alike", () => {
  const title = (_: number, command: string) => command;
  assert.deepEqual(
    heldBy(
      [
        { pid: 1233, fd: 5, command: 'logger', fdTable: 1234 },
        { pid: 1234, fd: 6, command: 'main' },
        { pid: 1234, fd: 5, command: 'main' },
        { pid: 1235, fd: 5, command: 'logger', fdTable: 1234 },
        { pid: 1233, fd: 6, command: 'logger', fdTable: 1234 },
        { pid: 1235, fd: 6, command: 'logger', fdTable: 1234 },
      ],
      title,
    ),
    ['1234 main fds 5,6 (fd table shared with 1233,1235)'],
    'listed before the process it shares with or after: one entry, two fds',
  );
  const workers = [101, 102, 103].map((pid) => ({ pid, fd: 3, command: 'worker' }));
  const helpers = [101, 102].map((pid) => ({ pid: pid + 100, fd: 3, command: 'helper', fdTable: pid }));
  assert.deepEqual(heldBy([{ pid: 100, fd: 3, command: 'master' }, ...workers, ...helpers], title), [
    '100 master fd 3',
    '2 × worker fd 3 (each fd table shared with 1 process)',
    '103 worker fd 3',
  ]);
});

test('HELDBY on 5,000 rows of one description: summarised once, not once per row', () => {
  const holders = Array.from({ length: 5_000 }, (_, i) => ({ pid: 1000 + i, fd: 1, command: 'worker' }));
  const report: FdsReport = {
    schema: 'kcmp.fds/2',
    processes: holders.map((h) => ({ pid: h.pid, ppid: 1, command: h.command })),
    descriptions: [
      {
        id: 'd1',
        type: 'CHR',
        name: '/dev/null',
        dev: '0:5',
        ino: 4,
        certain: true,
        method: 'kcmp',
        holders,
      },
    ],
    errors: [],
    stats: {
      processes: 5_000,
      fds: 5_000,
      descriptions: 1,
      shared: 1,
      errors: 0,
      comparisons: 0,
      engine: 'kcmp',
      elapsedMs: 0,
    },
  };
  const started = performance.now();
  const lines = [...renderFdsTable(report, ['PID', 'HELDBY'], { fitWidth: 100 })].join('').split('\n');
  assert.equal(lines[1], '1000 5000 × worker fd 1');
  // Once per row, it took 36 s (5,000 × 5,000 holders, twice); once, 0.1 s.
  assert.ok(performance.now() - started < 5_000, `${performance.now() - started} ms`);
});
