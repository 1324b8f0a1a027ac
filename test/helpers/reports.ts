/** Hand-made reports with fixed pids, for golden pictures: the shapes real scans produce, pinned down. */
import type { Description, FdsReport, Holder, ProcessInfo } from '../../src/inspect/fds/fds-report.js';
import type { TasksReport } from '../../src/inspect/tasks/tasks-report.js';
import type { StatTypeName } from '../../src/procfs/kinds.js';

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

/** The stType of each type these reports use: a socket's type is its protocol. */
const STAT_TYPES: Readonly<Record<string, StatTypeName>> = {
  TCP: 'SOCK',
  'UNIX-STREAM': 'SOCK',
  REG: 'REG',
  FIFO: 'FIFO',
  CHR: 'CHR',
  eventfd: 'UNKN',
};

function desc(
  id: string,
  type: string,
  name: string,
  ino: number,
  holders: [number, number, string][],
): Description {
  const list: Holder[] = holders.map(([pid, fd, command]) => ({ pid, fd, command }));
  const stType = STAT_TYPES[type] ?? 'UNKN';
  return { id, type, stType, name, dev: '0:9', ino, certain: true, method: 'kcmp', holders: list };
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
      desc('d1', 'TCP', 'socket:[7001]', 7001, [
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

/** The command line a process of {@link scaleReport} set as its title, by pid. */
export type Titles = Map<number, string>;

/**
 * A pre-fork server at scale: master 100 ("myserver: master") with a UNIX control listener of its own,
 * logger 101 reading a pipe whose write end the master and every worker hold, and `workers` workers 102…
 * that inherit the TCP listener, the log (stdout and stderr: fds 1,2) and the pipe. Two workers differ:
 * the last holds the pipe under another number, and the one before it has a child (helper). One worker
 * holds /etc/hosts alone. Every process's comm is "myserver"; `titles` are their command lines.
 */
export function scaleReport(workers = 200): {
  report: FdsReport;
  titles: Titles;
  odd: number;
  parent: number;
} {
  const titles: Titles = new Map([
    [100, 'myserver: master'],
    [101, 'myserver: logger'],
  ]);
  const processes: ProcessInfo[] = [
    { pid: 100, ppid: 1, command: 'myserver' },
    { pid: 101, ppid: 100, command: 'myserver' },
  ];
  const first = 102;
  const last = first + workers - 1;
  for (let pid = first; pid <= last; pid++) {
    processes.push({ pid, ppid: 100, command: 'myserver' });
    titles.set(pid, 'myserver: worker');
  }
  const helper = last + 1;
  processes.push({ pid: helper, ppid: last - 1, command: 'myserver' });
  titles.set(helper, 'myserver: helper');
  const all = processes.map((p) => p.pid);
  const servers = all.filter((pid) => pid !== 101 && pid !== helper);
  const held = (pids: number[], fds: (pid: number) => number[]): [number, number, string][] =>
    pids.flatMap((pid) => fds(pid).map((fd): [number, number, string] => [pid, fd, 'myserver']));
  const listener = desc(
    'd3',
    'TCP',
    'socket:[9003]',
    9003,
    held(servers, () => [3]),
  );
  listener.socket = {
    ino: 9003,
    protocol: 'TCP',
    state: 'LISTEN',
    local: { address: '127.0.0.1', port: 8080 },
    netns: 1,
    source: 'sock_diag',
  };
  const control = desc('d4', 'UNIX-STREAM', 'socket:[9004]', 9004, [[100, 4, 'myserver']]);
  control.socket = {
    ino: 9004,
    protocol: 'UNIX-STREAM',
    state: 'LISTEN',
    path: '/run/myserver/control.sock',
    netns: 1,
    source: 'sock_diag',
  };
  const writeEnd = desc(
    'd5',
    'FIFO',
    'pipe:[9005]',
    9005,
    held(servers, (pid) => [pid === last ? 9 : 5]),
  );
  const readEnd = desc('d6', 'FIFO', 'pipe:[9005]', 9005, [[101, 5, 'myserver']]);
  readEnd.peers = [{ pid: 100, fd: 5, command: 'myserver', description: 'd5' }];
  writeEnd.peers = [{ pid: 101, fd: 5, command: 'myserver', description: 'd6' }];
  return {
    report: fdsReport(processes, [
      desc(
        'd1',
        'CHR',
        '/dev/null',
        5,
        held(all, () => [0]),
      ),
      desc(
        'd2',
        'REG',
        '/var/log/myserver.log',
        61,
        held(all, () => [1, 2]),
      ),
      listener,
      control,
      writeEnd,
      readEnd,
      desc('d7', 'REG', '/etc/hosts', 52, [[150, 6, 'myserver']]),
    ]),
    titles,
    odd: last,
    parent: last - 1,
  };
}

/**
 * `processes` processes (100 and its children 101…) that share `descriptions` descriptions in a pattern
 * where no two children hold the same ones: description j is held by master (fd 3 + j) and by the
 * children i with (i + j) % 3 === 0 or i === j % (processes - 1) + 1, under the same number — so each
 * row of a matrix is its own, and every description has at least two holders.
 */
export function gridReport(processes: number, descriptions: number): FdsReport {
  const list: ProcessInfo[] = [{ pid: 100, ppid: 1, command: 'master' }];
  for (let i = 1; i < processes; i++) list.push({ pid: 100 + i, ppid: 100, command: `child${i}` });
  const descs: Description[] = [];
  for (let j = 0; j < descriptions; j++) {
    const holders: [number, number, string][] = [[100, 3 + j, 'master']];
    for (let i = 1; i < processes; i++) {
      if ((i + j) % 3 === 0 || i === (j % (processes - 1)) + 1) holders.push([100 + i, 3 + j, `child${i}`]);
    }
    const d = desc(`d${j + 1}`, 'REG', `/srv/data/table-${j + 1}.db`, 1000 + j, holders);
    for (const h of d.holders) h.flags = j % 3 === 0 ? 0 : j % 3 === 1 ? 1 : 2;
    descs.push(d);
  }
  return fdsReport(list, descs);
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
  const end1 = desc('d61', 'UNIX-STREAM', 'socket:[3988644]', 3988644, [held(5645, 31), held(5645, 68)]);
  const end2 = desc('d76', 'UNIX-STREAM', 'socket:[3988645]', 3988645, holders(32, [5639, 5640]));
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
