/** Hand-made reports with fixed pids, for golden pictures: the shapes real scans produce, pinned down. */
import type { Description, FdsReport, Holder, ProcessInfo } from '../../src/inspect/fds/fds-report.js';
import type { TasksReport } from '../../src/inspect/tasks/tasks-report.js';

function fdsReport(processes: ProcessInfo[], descriptions: Description[]): FdsReport {
  const fds = descriptions.reduce((n, d) => n + d.holders.length, 0);
  const shared = descriptions.filter((d) => d.holders.length > 1).length;
  return {
    schema: 'kcmp.fds/2',
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

/**
 * A seeded random tree (mkfds `random 7 12 40`, cut down to what matters): two UNIX sockets connected to
 * each other, each held across the tree, so the peer edge between their descriptions joins two nodes
 * that dot puts in one rank. A label on such a flat edge made dot route around a label node and fail
 * ("triangulation failed" on stderr).
 */
export function flatPeerReport(): FdsReport {
  const tree: [number, number][] = [
    [5632, 5629],
    [5635, 5632],
    [5637, 5632],
    [5636, 5635],
    [5638, 5635],
    [5639, 5637],
    [5641, 5637],
    [5640, 5639],
    [5642, 5641],
    [5643, 5641],
    [5645, 5641],
    [5644, 5642],
  ];
  const held = (pid: number, fd: number): [number, number, string] => [pid, fd, 'mkfds'];
  const holders = (fd: number, pids: number[]) => pids.map((pid) => held(pid, fd));
  const end1 = desc('d61', 'SOCK', 'socket:[3988644]', 3988644, [held(5645, 31), held(5645, 68)]);
  const end2 = desc('d76', 'SOCK', 'socket:[3988645]', 3988645, holders(32, [5639, 5640]));
  end1.peers = [5639, 5640].map((pid) => ({ pid, fd: 32, command: 'mkfds', description: 'd76' }));
  end2.peers = [5637, 5641, 5642, 5643, 5644, 5645, 5645].map((pid, i) => ({
    pid,
    fd: i === 6 ? 68 : 31,
    command: 'mkfds',
    description: 'd61',
  }));
  return fdsReport(
    tree.map(([pid, ppid]) => ({ pid, ppid, command: 'mkfds' })),
    [
      desc('d3', 'CHR', '/dev/null', 5, holders(2, [5635, 5638, 5641, 5643, 5644, 5645])),
      desc('d6', 'CHR', '/dev/null', 6, holders(6, [5638, 5640, 5641, 5642, 5644, 5645])),
      desc('d7', 'CHR', '/dev/null', 7, [
        held(5636, 7),
        held(5639, 14),
        held(5640, 14),
        held(5641, 62),
        held(5642, 44),
        held(5643, 59),
        held(5644, 44),
        held(5645, 62),
      ]),
      desc('d19', 'REG', '/tmp/mkfds-J0T2rN/a', 19, holders(46, [5643, 5644, 5645])),
      end1,
      end2,
    ],
  );
}
