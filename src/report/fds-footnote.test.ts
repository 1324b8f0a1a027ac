/** The line under the `kcmp fds` summary on processes that share fd tables, on a synthetic report. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport, ProcessInfo } from '../inspect/fds/fds-report.js';
import { fdsFootnote } from './fds-table.js';

function reportOf(processes: ProcessInfo[]): FdsReport {
  return {
    schema: 'kcmp.fds/2',
    processes,
    descriptions: [],
    errors: [],
    stats: {
      processes: processes.length,
      fds: 0,
      descriptions: 0,
      shared: 0,
      errors: 0,
      comparisons: 0,
      engine: 'kcmp',
      elapsedMs: 0,
    },
  };
}

test('fdsFootnote: the first four shared fd tables named as kcmp tasks names them, the others counted', () => {
  const processOf = (pid: number, fdTableOf?: number): ProcessInfo => ({
    pid,
    ppid: 1,
    command: 'x',
    ...(fdTableOf === undefined ? {} : { fdTableOf }),
  });
  const tables = [100, 200, 300, 400, 500, 600];
  const processes = [
    ...tables.flatMap((pid) => [processOf(pid), processOf(pid + 1, pid)]),
    processOf(102, 100),
    processOf(700),
  ];
  assert.equal(
    fdsFootnote(reportOf(processes)),
    '101, 102 share files with 100; 201 shares files with 200; 301 shares files with 300; 401 shares files ' +
      'with 400; and 2 more shared tables (CLONE_FILES): one fd table each, its fds listed under every ' +
      'process holding it and counted once\n',
  );
  assert.equal(fdsFootnote(reportOf([processOf(100), processOf(700)])), '', 'no table shared: no line');
});
