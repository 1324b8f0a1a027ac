/** Hand-made reports with fixed pids, for golden pictures: the shapes real scans produce, pinned down. */
import type { Description, FdsReport, Holder, ProcessInfo } from '../../src/inspect/fds/fds-report.js';
import type { TasksReport } from '../../src/inspect/tasks/tasks-report.js';

function fdsReport(processes: ProcessInfo[], descriptions: Description[]): FdsReport {
  const fds = descriptions.reduce((n, d) => n + d.holders.length, 0);
  const shared = descriptions.filter((d) => d.holders.length > 1).length;
  return {
    schema: 'kcmp.fds/1',
    processes,
    descriptions,
    errors: [],
    stats: {
      processes: processes.length,
      fds,
      descriptions: descriptions.length,
      shared,
      errors: 0,
      comparisons: 3,
      engine: 'kcmp',
      elapsedMs: 2,
    },
  };
}

function desc(
  id: string,
  type: string,
  name: string,
  ino: number,
  holders: [number, number, string][],
): Description {
  const list: Holder[] = holders.map(([pid, fd, command]) => ({ pid, fd, command }));
  return { id, type, name, dev: '0:9', ino, certain: true, method: 'kcmp', holders: list };
}

/** A pre-fork server: master 100 and workers 101, 102 share the listening socket and the log; worker 101
 * runs a helper 103 through a pipe; an eventfd is dup'd inside 102; 102 has one unshared file. */
export function preforkReport(): FdsReport {
  return fdsReport(
    [
      { pid: 100, ppid: 1, command: 'server' },
      { pid: 101, ppid: 100, command: 'worker' },
      { pid: 102, ppid: 100, command: 'worker' },
      { pid: 103, ppid: 101, command: 'helper' },
    ],
    [
      desc('d1', 'SOCK', 'socket:[7001]', 7001, [
        [100, 3, 'server'],
        [101, 3, 'worker'],
        [102, 3, 'worker'],
      ]),
      desc('d2', 'REG', '/var/log/server/access.log', 51, [
        [100, 4, 'server'],
        [101, 4, 'worker'],
        [102, 4, 'worker'],
      ]),
      desc('d3', 'FIFO', 'pipe:[7002]', 7002, [
        [101, 6, 'worker'],
        [103, 1, 'helper'],
      ]),
      desc('d4', 'eventfd', 'anon_inode:[eventfd]', 1038, [
        [102, 7, 'worker'],
        [102, 8, 'worker'],
      ]),
      desc('d5', 'REG', '/etc/hosts', 52, [[102, 9, 'worker']]),
      desc('d6', 'CHR', '/dev/null', 5, [
        [100, 0, 'server'],
        [103, 0, 'helper'],
      ]),
    ],
  );
}

/** Names that need escaping in every output: quotes, backslashes, <&>, a newline. */
export function awkwardReport(): FdsReport {
  return fdsReport(
    [
      { pid: 200, ppid: 1, command: 'a "q" \\n <b>&' },
      { pid: 201, ppid: 200, command: 'x\ny' },
    ],
    [
      desc('d1', 'REG', '/tmp/we"ird\\path/<new>\nline&.log', 9, [
        [200, 5, 'a "q" \\n <b>&'],
        [201, 5, 'x\ny'],
      ]),
    ],
  );
}

/** Process 300 with threads 301, 302 (302 unshared files and fs), and a CLONE_FILES child 310. */
export function tasksReport(): TasksReport {
  const task = (pid: number, tid: number, ppid: number, command: string) => ({ pid, tid, ppid, command });
  return {
    schema: 'kcmp.tasks/1',
    tasks: [
      task(300, 300, 1, 'app'),
      task(300, 301, 1, 'app'),
      task(300, 302, 1, 'io'),
      task(310, 310, 300, 'kid'),
    ],
    groups: {
      vm: [[300, 301, 302], [310]],
      files: [[300, 301, 310], [302]],
      fs: [[300, 301], [302], [310]],
      sighand: [[300, 301, 302], [310]],
      io: [],
      sysvsem: [],
    },
    absent: { io: [300, 301, 302, 310], sysvsem: [300, 301, 302, 310] },
    relations: [],
    errors: [],
    stats: { processes: 2, tasks: 4, errors: 0, comparisons: 9, retries: 0, elapsedMs: 1 },
  };
}
