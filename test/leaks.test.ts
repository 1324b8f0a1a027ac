/**
 * `kcmp leaks`: the finder on a hand-made report (ranking, stdio, nearest ancestor, the same-program
 * heuristic), then the real CLI on fixtures that fork+exec a child with and without close-on-exec.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { findLeaks, type LeakProbe } from '../src/inspect/leaks/leak-finder.js';
import type { LeaksReport } from '../src/inspect/leaks/leaks-report.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';

const O_WRONLY = 0o1;
const O_RDONLY = 0;
const O_APPEND = 0o2000;

/** 10 (server) → 11 (worker, the same program) → 12 (a helper it exec'd); 13 is 12's child (exec'd). */
function handMade(): FdsReport {
  const h = (pid: number, fd: number, flags?: number) => ({
    pid,
    fd,
    command: { 10: 'server', 11: 'server', 12: 'helper', 13: 'grandkid' }[pid] ?? '?',
    ...(flags === undefined ? {} : { flags }),
  });
  const d = (id: string, type: string, name: string, ino: number, holders: ReturnType<typeof h>[]) => ({
    id,
    type,
    name,
    dev: '0:9',
    ino,
    certain: true,
    method: 'kcmp' as const,
    holders,
  });
  return {
    schema: 'kcmp.fds/1',
    processes: [
      { pid: 10, ppid: 1, command: 'server' },
      { pid: 11, ppid: 10, command: 'server' },
      { pid: 12, ppid: 11, command: 'helper' },
      { pid: 13, ppid: 12, command: 'grandkid' },
    ],
    descriptions: [
      d('d1', 'SOCK', 'socket:[500]', 500, [h(10, 3), h(11, 3), h(12, 3)]),
      d('d2', 'FIFO', 'pipe:[600]', 600, [h(10, 5, O_WRONLY), h(13, 9, O_WRONLY)]),
      d('d3', 'FIFO', 'pipe:[601]', 601, [h(11, 4, O_RDONLY), h(12, 4, O_RDONLY)]),
      d('d4', 'REG', '/srv/app.log', 7, [h(10, 6, O_WRONLY | O_APPEND), h(12, 6, O_WRONLY | O_APPEND)]),
      d('d5', 'CHR', '/dev/pts/0', 3, [h(10, 0), h(11, 0), h(12, 1), h(13, 2)]),
      d('d6', 'SOCK', 'socket:[700]', 700, [h(12, 0), h(13, 7)]),
      d('d7', 'REG', '/run/app.lock', 8, [h(11, 8, 2), h(11, 9, 2)]),
    ],
    errors: [],
    stats: {
      processes: 4,
      fds: 19,
      descriptions: 7,
      shared: 7,
      errors: 0,
      comparisons: 5,
      engine: 'kcmp',
      elapsedMs: 1,
    },
  };
}

const probe: LeakProbe = {
  parentOf: () => undefined,
  listening: (_pid, inode) => inode === 500,
  exe: (pid) => (pid <= 11 ? '/usr/sbin/server' : `/usr/bin/p${pid}`),
};

test('finder: ranked, nearest ancestor, stdio ignored, same-program marked', () => {
  const leaks = findLeaks(handMade(), probe);
  const rows = leaks.map((l) => `${l.kind} ${l.ancestor.pid}:${l.ancestor.fd}>${l.child.pid}:${l.child.fd}`);
  assert.deepEqual(rows, [
    'listening-socket 11:3>12:3', // exec'd helper: listed before the same-program worker
    'pipe-write-end 10:5>13:9', // through 11 and 12, which do not hold it: generation 3
    'listening-socket 10:3>11:3',
    'pipe-read-end 11:4>12:4',
    'log-file 10:6>12:6',
  ]);
  assert.equal(leaks[1]?.generations, 3);
  assert.equal(leaks[0]?.sameProgram, false);
  assert.equal(leaks[2]?.sameProgram, true);
  assert.equal(
    leaks[0]?.fix,
    'set O_CLOEXEC (SOCK_CLOEXEC) on the listening socket, or close it in the child before exec',
  );
  // d5: only stdio; d6: the ancestor holds it as stdin only; d7: dup'd inside one process.
  assert.ok(!leaks.some((l) => ['d5', 'd6', 'd7'].includes(l.description)));
});

function leaksOf(pid: number): LeaksReport {
  const r = runCli(['leaks', '--tree', String(pid), '-J']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as LeaksReport;
}

test('a child exec()ed without close-on-exec: the listening socket and the pipe write end come first', async (t) => {
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const { main, child } = f.pids as { main: number; child: number };
  const report = leaksOf(main);
  assert.equal(report.schema, 'kcmp.leaks/1');
  const found = report.leaks.map((l) => [l.kind, l.ancestor.pid, l.ancestor.fd, l.child.pid, l.child.fd]);
  assert.deepEqual(found, [
    ['listening-socket', main, f.fds.listen, child, f.fds.listen],
    ['pipe-write-end', main, f.fds.pipeWrite, child, f.fds.pipeWrite],
    ['log-file', main, f.fds.log, child, f.fds.log],
    ['lock-file', main, f.fds.lock, child, f.fds.lock],
  ]);
  for (const l of report.leaks) {
    assert.equal(l.sameProgram, false, 'sleep is another program than mkfds');
    assert.equal(l.certain, true);
  }
  const table = runCli(['leaks', '--tree', String(main)]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^KIND +ANCESTOR +ACOMMAND +CHILD +COMMAND +PROGRAM +NAME\n/);
  assert.match(
    table.stdout,
    new RegExp(`listening-socket +${main}:${f.fds.listen} .* ${child}:${f.fds.listen} +sleep `),
  );
  assert.match(
    table.stdout,
    /\nfix listening-socket: set O_CLOEXEC \(SOCK_CLOEXEC\) on the listening socket/,
  );
  assert.match(table.stdout, /\n4 leaked fds in 1 child: 2 processes, /);
});

test('the same with close-on-exec (and a close before exec): nothing leaks', async (t) => {
  const f = await mkfds(t, 'noleak');
  if (!f) return;
  const report = leaksOf(f.pids.main as number);
  assert.deepEqual(report.leaks, []);
  assert.equal(report.stats.processes, 2);
  const table = runCli(['leaks', '-p', `${f.pids.main},${f.pids.child}`]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^no leaked fds: 2 processes, /);
});

test('bad selections are one line and exit 2', () => {
  for (const args of [
    ['leaks', '-p', 'x'],
    ['leaks', '--tree', '0'],
    ['leaks', '-p', '1', '--tree', '1'],
  ]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^kcmp: [^\n]+\n(\(run with --help for usage\)\n)?$/);
  }
});
