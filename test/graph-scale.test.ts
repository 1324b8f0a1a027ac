/**
 * Pictures at the scale servers run (issue 21): processes named by their titles, like workers folded into
 * one box with the tree kept, fd numbers written once per description, sockets named as the table names
 * them — on hand-made reports with fixed pids (test/helpers/reports.ts), so every count is known.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { renderDot } from '../src/report/dot.js';
import type { ActorNode, SharingGraph } from '../src/report/graph.js';
import { fdsGraph } from '../src/report/graph-fds.js';
import { numberRuns } from '../src/report/graph-fold.js';
import { processTitle, shortName } from '../src/report/graph-names.js';
import { tasksGraph } from '../src/report/graph-tasks.js';
import { scaleReport, tasksReport } from './helpers/reports.js';

const box = (g: SharingGraph, pid: number): ActorNode => {
  const found = g.actors.find((a) => a.members.includes(pid));
  assert.ok(found, `a box draws ${pid}`);
  return found;
};

test('a title names a process where its command line says more than its command', () => {
  assert.equal(processTitle('postgres', 'postgres: checkpointer'), 'postgres: checkpointer');
  assert.equal(processTitle('nginx', 'nginx: worker process'), 'nginx: worker process');
  assert.equal(
    processTitle('postgres', '/usr/lib/postgresql/15/bin/postgres -D /srv/pg'),
    'postgres -D /srv/pg',
  );
  assert.equal(processTitle('sleep', '/usr/bin/sleep'), 'sleep', 'the command alone says no more');
  assert.equal(processTitle('systemd-journal', '/lib/systemd/systemd-journald'), 'systemd-journald');
  assert.equal(
    processTitle('server', '/opt/mkfds prefork'),
    'server',
    'renamed with PR_SET_NAME: comm says more',
  );
  assert.equal(processTitle('kworker/0:1', ''), 'kworker/0:1', 'a kernel thread has no cmdline');
  assert.equal(processTitle('x', null), 'x');
  const long = processTitle('postgres', `postgres -D /srv/${'a'.repeat(80)}`);
  assert.equal([...long].length, 48);
  assert.match(long, /^postgres -D \/srv\/a+…$/);
});

test('a long name keeps its type word and the end of its path', () => {
  assert.equal(
    shortName('UNIX-STREAM /tmp/kcmp-pg-Htbve2/.s.PGSQL.41939 (LISTEN)', 40),
    'UNIX-STREAM …/.s.PGSQL.41939 (LISTEN)',
  );
  assert.equal(
    shortName('/var/lib/postgresql/15/main/pg_wal/000000010000000000000001', 40),
    '…/main/pg_wal/000000010000000000000001',
  );
  assert.equal(shortName('/short', 40), '/short');
  assert.equal([...shortName('x'.repeat(60), 40)].length, 40);
});

test('pid runs: consecutive pids as ranges, the first three runs written, the rest counted', () => {
  assert.equal(numberRuns([5, 3, 4, 9, 11, 12, 20]), '3–5, 9, 11–12 +1 more');
  assert.equal(numberRuns([102, 103]), '102–103');
  assert.equal(numberRuns([7]), '7');
});

test('workers holding the same descriptions under the same fds fold into one box; the tree stays', () => {
  const { report, titles, odd, parent } = scaleReport(200);
  const g = fdsGraph(report, { cmdlines: titles });
  const folded = box(g, 102);
  assert.deepEqual(folded.label.slice(0, 2), ['198 × myserver: worker', 'pids 102–299']);
  assert.equal(folded.members.length, 198);
  for (const pid of folded.members)
    assert.ok(folded.keys.includes(String(pid)), `pid ${pid} is a search key`);
  assert.equal(folded.label[2], '+0–1 unshared fds each', 'worker 150 holds /etc/hosts alone');
  // The one under another fd number, the one with a child, the master, logger and helper keep their own.
  assert.deepEqual(box(g, odd).label, [`${odd} myserver: worker`]);
  assert.deepEqual(box(g, parent).members, [parent]);
  assert.equal(g.actors.length, 6);
  assert.equal(g.title, '203 processes in 6 boxes, 4 shared descriptions');
  assert.deepEqual(
    g.tree.map((l) => `${l.from}>${l.to}`),
    [
      'pid-100>pid-101',
      'pid-100>pid-102',
      `pid-100>pid-${parent}`,
      `pid-${parent}>pid-${parent + 2}`,
      `pid-100>pid-${odd}`,
    ],
    'one link from the master to the folded box, and the helper under its own worker',
  );
  const edges = g.edges.filter((e) => e.relation !== 'peer');
  assert.equal(edges.filter((e) => e.from === folded.id).length, 4, 'one edge per description from the box');
  assert.deepEqual(fdsGraph(report, { cmdlines: titles, fold: false }).actors.length, 203);
});

test('fd numbers are written once per description: in its node, and on the edges that differ', () => {
  const { report, titles, odd } = scaleReport(200);
  const g = fdsGraph(report, { cmdlines: titles });
  const label = (id: string) => g.objects.find((o) => o.name === id)?.label;
  assert.deepEqual(label('d2'), ['d2 REG', '/var/log/myserver.log', 'fds 1,2 in all 203']);
  assert.deepEqual(label('d5'), ['d5 FIFO', 'pipe:[9005]', 'fd 5 in 200 of 201']);
  const labelled = g.edges.filter((e) => e.label !== '');
  assert.deepEqual(
    labelled.map((e) => `${e.from} ${e.label}`),
    [`pid-${odd} fd 9`],
    'only the worker holding the pipe under another number says its own',
  );
  const edgeLabels = renderDot(g)
    .split('\n')
    .filter((line) => line.includes(' -> ') && /label="fds? /.test(line));
  assert.equal(edgeLabels.length, 1, 'in the DOT text too, only that edge says an fd');
});

test('a description every process of a tree holds is drawn as one line from the border of the tree', () => {
  const { report, titles } = scaleReport(200);
  const g = fdsGraph(report, { cmdlines: titles });
  const devNull = g.objects.find((o) => o.name === 'd1');
  assert.equal(devNull?.cluster, null, 'beside the tree, not in it');
  const edges = g.edges.filter((e) => e.to === 'desc-d1');
  assert.equal(edges.length, 6, 'one edge per box in the model (the matrix has a cell for each)');
  assert.ok(edges.every((e) => e.via === 'tree-100'));
  const dot = renderDot(g);
  const lines = dot.split('\n').filter((line) => line.includes('-> "desc-d1"'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0] ?? '', /ltail="cluster_tree-100"/);
  // Held by all but the logger: a line from each box.
  assert.equal(g.edges.filter((e) => e.to === 'desc-d3' && e.via !== undefined).length, 0);
});

test('sockets are named as the table names them; a listener held alone is named in its box', () => {
  const { report, titles } = scaleReport(3);
  const g = fdsGraph(report, { cmdlines: titles });
  assert.deepEqual(g.objects.find((o) => o.name === 'd3')?.label, [
    'd3', // its type is the protocol its name begins with: written once
    'TCP 127.0.0.1:8080 (LISTEN)',
    'fd 3 in all 4',
  ]);
  assert.ok(g.objects.find((o) => o.name === 'd3')?.keys.includes('8080'), 'a port is a search key');
  assert.deepEqual(box(g, 100).label, [
    '100 myserver: master',
    'fd 4 UNIX-STREAM …/control.sock (LISTEN)', // not "UNIX-STREAM UNIX-STREAM": the name says it
  ]);
  // The pipe's read end is the logger's alone: its line names it, a peer edge joins it to the write end.
  assert.deepEqual(box(g, 101).label, ['101 myserver: logger', 'fd 5 FIFO pipe:[9005]']);
  assert.deepEqual(
    g.edges.filter((e) => e.relation === 'peer').map((e) => `${e.from} ${e.to} "${e.label}"`),
    ['desc-d5 pid-101 ""'],
  );
});

test('titles come from a report that carries cmdline (-o CMDLINE) when none are given', () => {
  const { report, titles } = scaleReport(2);
  const withCmdlines: FdsReport = {
    ...report,
    descriptions: report.descriptions.map((d) => ({
      ...d,
      holders: d.holders.map((h) => ({ ...h, cmdline: titles.get(h.pid) ?? '' })),
    })),
  };
  assert.equal(box(fdsGraph(withCmdlines), 100).label[0], '100 myserver: master');
  assert.equal(box(fdsGraph(report), 100).label[0], '100 myserver', 'without titles: the command');
});

test('threads with one name that use the same resources fold: "N threads: name"', () => {
  const base = tasksReport();
  const workers = [303, 304, 305, 306, 307];
  const report = {
    ...base,
    tasks: [...base.tasks, ...workers.map((tid) => ({ pid: 300, tid, ppid: 1, command: 'worker' }))],
    groups: {
      ...base.groups,
      vm: [[300, 301, 302, ...workers], [310]],
      files: [[300, 301, 310, ...workers], [302]],
      fs: [[300, 301, ...workers], [302], [310]],
      sighand: [[300, 301, 302, ...workers], [310]],
    },
  };
  const g = tasksGraph(report);
  const folded = g.actors.find((a) => a.tid === 303);
  assert.deepEqual(folded?.label, ['5 threads: worker', 'tids 303–307']);
  assert.deepEqual(folded?.keys.sort(), ['300', '303', '304', '305', '306', '307']);
  assert.equal(g.edges.filter((e) => e.from === 'tid-303').length, 4, 'four edges, not twenty');
  assert.equal(g.title, '9 tasks in 5 boxes, 4 shared resources');
  assert.ok(!g.actors.some((a) => a.tid === 304), 'no box of its own');
});
