import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskResource } from '../src/compare/types.js';
import type { TaskInfo, TasksReport } from '../src/inspect/tasks/tasks-report.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { assertTyped, columnTypes } from './helpers/column-types.js';
import { nobodyWrapper } from './helpers/nobody.js';
import { assertValid } from './helpers/schema.js';

/** Every live task of the tasks_clone fixture, by its report name (see scenario-tasks.c). */
const LIVE = [
  'main',
  'thread',
  'unshared',
  'vforker',
  'vforkChild',
  'files',
  'fs',
  'vm',
  'vmSighand',
  'ioNoCtx',
  'ioParent',
  'io',
  'semParent',
  'sem',
  'execClone',
  'forkExec',
  'fork',
] as const;
type Name = (typeof LIVE)[number];

/** How the fixture built them: the classes with more than one task; every other task is alone. */
const SHARED: Record<TaskResource, Name[][]> = {
  vm: [['main', 'thread', 'unshared', 'vforker', 'vm', 'vmSighand', 'vforkChild']],
  files: [['main', 'thread', 'vforker', 'files']],
  fs: [['main', 'thread', 'vforker', 'fs', 'execClone']],
  sighand: [['main', 'thread', 'unshared', 'vforker', 'vmSighand']],
  io: [['ioParent', 'io']],
  sysvsem: [
    ['main', 'thread', 'unshared', 'vforker'],
    ['semParent', 'sem'],
  ],
};
/** Tasks that have no io_context / SysV undo list at all: kcmp says "equal" for them, yet nothing is shared. */
const ABSENT: Record<'io' | 'sysvsem', Name[]> = {
  io: LIVE.filter((n) => n !== 'ioParent' && n !== 'io'),
  sysvsem: LIVE.filter((n) => !SHARED.sysvsem.flat().includes(n)),
};

function canonical(classes: readonly (readonly number[])[]): string[] {
  return classes.map((c) => [...c].sort((a, b) => a - b).join(',')).sort();
}

function expectedClasses(f: Fixture, kind: TaskResource): string[] {
  const tid = (n: Name): number => f.pids[n] as number;
  const grouped = new Set(SHARED[kind].flat());
  const absent = new Set<Name>(kind === 'io' || kind === 'sysvsem' ? ABSENT[kind] : []);
  const alone = LIVE.filter((n) => !grouped.has(n) && !absent.has(n)).map((n) => [tid(n)]);
  return canonical([...SHARED[kind].map((c) => c.map(tid)), ...alone]);
}

async function start(t: Parameters<typeof mkfds>[0]): Promise<Fixture | null> {
  return mkfds(t, 'tasks_clone');
}

test('tasks --json groups every tid exactly as the fixture cloned it', async (t) => {
  const f = await start(t);
  if (!f) return;
  const r = runCli(['tasks', '--tree', String(f.pids.main), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as TasksReport;
  assert.equal(report.schema, 'kcmp.tasks/1');
  const tid = (n: Name): number => f.pids[n] as number;
  assert.deepEqual(report.tasks.map((x) => x.tid).sort(), LIVE.map(tid).sort());
  for (const kind of ['vm', 'files', 'fs', 'sighand', 'io', 'sysvsem'] as const) {
    assert.deepEqual(canonical(report.groups[kind] ?? []), expectedClasses(f, kind), kind);
  }
  assert.deepEqual(report.absent.io?.slice().sort(), ABSENT.io.map(tid).sort());
  assert.deepEqual(report.absent.sysvsem?.slice().sort(), ABSENT.sysvsem.map(tid).sort());
  // The zombie is an error row, never a member of any group (it would compare equal to other NULLs).
  assert.deepEqual(
    report.errors.map((e) => [e.tid, e.reason]),
    [[tid('zombie'), 'zombie']],
  );
});

test('tasks --json explains relations in clone()/unshare() terms', async (t) => {
  const f = await start(t);
  if (!f) return;
  const report = JSON.parse(runCli(['tasks', '--tree', String(f.pids.main), '-J']).stdout) as TasksReport;
  const tid = (n: Name): number => f.pids[n] as number;
  const about = (n: Name) =>
    report.relations
      .filter((r) => r.to === tid(n))
      .map((r) => ({ kind: r.kind, from: r.from, shared: r.shared, unshared: r.unshared, parent: r.parent }));
  const thread = (shared: TaskResource[], unshared: TaskResource[]) => [
    { kind: 'thread', from: tid('main'), shared, unshared, parent: false },
  ];
  const child = (from: Name, shared: TaskResource[]) => [
    { kind: 'clone', from: tid(from), shared, unshared: [], parent: true },
  ];
  assert.deepEqual(about('thread'), thread(['vm', 'files', 'fs', 'sighand', 'sysvsem'], []));
  assert.deepEqual(about('unshared'), thread(['vm', 'sighand', 'sysvsem'], ['files', 'fs']));
  assert.deepEqual(about('files'), child('main', ['files']));
  assert.deepEqual(about('fs'), child('main', ['fs']));
  assert.deepEqual(about('vm'), child('main', ['vm']));
  assert.deepEqual(about('vmSighand'), child('main', ['vm', 'sighand']));
  assert.deepEqual(about('vforkChild'), child('main', ['vm']));
  assert.deepEqual(about('io'), child('ioParent', ['io']));
  assert.deepEqual(about('sem'), child('semParent', ['sysvsem']));
  assert.deepEqual(about('execClone'), child('main', ['fs'])); // execve kept only the fs (scenario 14)
  for (const alone of ['main', 'ioNoCtx', 'ioParent', 'semParent', 'forkExec', 'fork'] as const) {
    assert.deepEqual(about(alone), [], alone);
  }
  const text = (n: Name) => report.relations.find((r) => r.to === tid(n))?.text;
  assert.equal(text('unshared'), `thread of ${tid('main')} that unshared files, fs`);
  assert.equal(text('vmSighand'), `CLONE_VM|CLONE_SIGHAND child of ${tid('main')}`);
  assert.equal(text('vforkChild'), `vfork/CLONE_VM child of ${tid('main')}`);
});

test('tasks table: one label per group, none for absent objects, the relation, and an ERROR row', async (t) => {
  const f = await start(t);
  if (!f) return;
  const r = runCli(['tasks', '--tree', String(f.pids.main), '-r', '-n', '-o', 'TID,FILES,IO,RELATION']);
  assert.equal(r.code, 0, r.stderr);
  const rows = new Map(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([tid, ...rest]) => [Number(tid), rest]),
  );
  const row = (n: Name) => rows.get(f.pids[n] as number) as string[];
  assert.equal(rows.size, LIVE.length + 1);
  assert.equal(row('main')[0], 'files:1');
  assert.equal(row('files')[0], 'files:1');
  assert.notEqual(row('unshared')[0], 'files:1');
  assert.equal(row('main')[1], 'none');
  assert.equal(row('ioNoCtx')[1], 'none');
  assert.match(row('io')[1] as string, /^io:\d+$/);
  assert.equal(row('io')[1], row('ioParent')[1]);
  assert.equal(
    row('unshared')[2],
    String.raw`thread\x20of\x20${f.pids.main}\x20that\x20unshared\x20files,\x20fs`,
  );
  assert.deepEqual(rows.get(f.pids.zombie as number), ['', '', 'ERROR\\x20zombie']);
});

test('tasks: a missing pid, a thread id, an empty column list: one line and exit 2', async (t) => {
  const f = await start(t);
  if (!f) return;
  for (const args of [
    ['-p', '2147483646'],
    ['-p', String(f.pids.thread)],
    ['-p', String(f.pids.main), '-o', ','],
  ]) {
    const r = runCli(['tasks', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/);
  }
});

test('tasks as another user: tasks it may not inspect are ERROR rows (kcmp:EPERM), never groups', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the CLI as nobody against root-owned tasks');
  const f = await start(t);
  if (!f) return;
  const r = runCli(['tasks', '-p', String(f.pids.fork), '-J'], {
    wrapper: nobodyWrapper(),
  });
  // No task could be read: the document lists why, and the exit code says there is no answer.
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^kcmp: could not read the selected process: [^\n]*EPERM[^\n]*\n$/);
  const report = JSON.parse(r.stdout) as TasksReport;
  assert.deepEqual(report.tasks, []);
  assert.deepEqual(
    report.errors.filter((e) => e.tid !== null).map((e) => [e.tid, e.reason, e.errno]),
    [[f.pids.fork, 'denied', 'EPERM']],
  );
});

test('tasks -J -o: each task carries the listed columns the document leaves out, typed as -H -J lists them', async (t) => {
  const f = await start(t);
  if (!f) return;
  const types = columnTypes('tasks');
  const tree = ['tasks', '--tree', String(f.pids.main), '-J'];
  const r = runCli([...tree, '-o', 'PID,TID,USER,UID,CMDLINE,RELATION']);
  assert.equal(r.code, 0, r.stderr);
  assertValid('kcmp.tasks/1', r.stdout);
  const report = JSON.parse(r.stdout) as TasksReport;
  const thread = report.tasks.find((x) => x.tid === f.pids.thread) as TaskInfo;
  assertTyped(thread, { USER: 'user', UID: 'uid', CMDLINE: 'cmdline', RELATION: 'relation' }, types);
  assert.equal(thread.uid, process.getuid?.());
  assert.match(String(thread.cmdline), / tasks_clone$/);
  const text = report.relations.filter((x) => x.to === thread.tid).map((x) => x.text);
  assert.ok(text.length > 0);
  assert.equal(thread.relation, text.join('; '));
  const plain = JSON.parse(runCli(tree).stdout) as TasksReport;
  assert.equal(plain.tasks[0]?.user, undefined, 'without -o, -J is the document as before');
});
