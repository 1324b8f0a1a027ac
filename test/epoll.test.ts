import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import type { EpollReport, EpollTarget } from '../src/inspect/epoll/epoll-report.js';
import { eventNames } from '../src/report/epoll-table.js';
import { type Fixture, mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { assertTyped, columnTypes } from './helpers/column-types.js';
import { nobodyWrapper } from './helpers/nobody.js';
import { assertValid } from './helpers/schema.js';

function epoll(f: Fixture, epfd: string, extra: string[] = []): EpollReport {
  const r = runCli(['epoll', String(f.pids.main), String(f.fds[epfd]), '-J', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as EpollReport;
}

/** A target as the test states it: tfd, status, holders "pid:fd" (sorted), the other tfds registered for it. */
function summary(t: EpollTarget): string {
  const holders = t.holders.map((h) => `${h.pid}:${h.fd}`).sort();
  const same = t.sameAs.map((s) => s.tfd).sort();
  return `${t.tfd} ${t.status} [${holders}] [${same}]`;
}

test('epoll: each stale registration is found and named as the fixture made it', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const report = epoll(f, 'epoll');
  assert.equal(report.schema, 'kcmp.epoll/2');
  assert.equal(report.pid, f.pids.main);
  assert.equal(report.epfd, f.fds.epoll);
  assert.deepEqual(report.errors, []);
  const m = f.pids.main;
  assert.deepEqual(report.targets.map(summary).sort(), [
    `100 fd-closed [${m}:101] []`, // scenario 34: closed, alive as a dup
    `110 fd-reused [${m}:111] []`, // scenario 35: A, whose number now holds B
    `110 ok [${m}:110] []`, // B, registered under the reused number
    `120 duplicate [${m}:120,${m}:121] [121]`,
    `121 duplicate [${m}:120,${m}:121] [120]`,
    '130 fd-closed [] []', // held only by another process, which was not searched
  ]);
  const reused = report.targets.find((x) => x.status === 'fd-reused') as EpollTarget;
  assert.match(reused.name ?? '', /^pipe:\[\d+\]$/);
  assert.equal(reused.current, 'anon_inode:[eventfd]');
  // The reported toff indexes the kernel's items: kcmp agrees that fd 111 is registration (110, toff).
  const slot = { epfd: f.fds.epoll as number, targetFd: 110, offset: reused.offset };
  assert.equal(kcmp(m as number, m as number, 'epoll-tfd', f.fds.reusedOld as number, slot), 'equal');
  assert.deepEqual(
    report.targets
      .filter((x) => x.tfd === 110)
      .map((x) => x.offset)
      .sort(),
    [0, 1],
  );
});

test('epoll -p: a registration held only by another process shows that holder', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const report = epoll(f, 'epoll', ['-p', String(f.pids.holder)]);
  const elsewhere = report.targets.find((x) => x.tfd === 130) as EpollTarget;
  assert.equal(elsewhere.status, 'fd-closed');
  assert.deepEqual(elsewhere.holders, [{ pid: f.pids.holder, fd: 130 }]);
  assert.equal(elsewhere.name, 'anon_inode:[eventfd]');
});

test('epoll: a clean instance is all ok, in the table too', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const m = f.pids.main;
  assert.deepEqual(
    epoll(f, 'clean').targets.map(summary).sort(),
    [
      `${f.fds.cleanEventfd} ok [${m}:${f.fds.cleanEventfd}] []`,
      `${f.fds.cleanPipe} ok [${m}:${f.fds.cleanPipe}] []`,
    ].sort(),
  );
  const r = runCli(['epoll', String(m), String(f.fds.clean), '-r', '-n', '-o', 'TFD,EVENTS,STATUS']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trimEnd().split('\n').sort(),
    [`${f.fds.cleanEventfd} IN|ERR|HUP|ET ok`, `${f.fds.cleanPipe} IN|ERR|HUP ok`].sort(),
  );
});

test('epoll: not an epoll fd, a closed fd, a missing process, no access: one line, exit 2', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const m = String(f.pids.main);
  const cases: [string[], RegExp, string[]?][] = [
    [[m, String(f.fds.notEpoll)], /is not an epoll instance: it is pipe:\[\d+\]/],
    [[m, String(f.fds.closedFd)], /has no fd 200 open/],
    [['2147483646', '3'], /process 2147483646 does not exist/],
    [[m, 'x'], /invalid EPFD/],
    [[m], /^kcmp: missing EPFD \(the epoll fd of that process\): /],
    [[], /^kcmp: missing PID and EPFD: /],
  ];
  if (process.getuid?.() === 0) {
    cases.push([[m, String(f.fds.epoll)], /may not/, nobodyWrapper()]);
  }
  for (const [args, message, wrapper] of cases) {
    const r = runCli(['epoll', ...args], wrapper ? { wrapper } : {});
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/);
    assert.match(r.stderr, message);
  }
});

test('epoll -J -o: each target carries the listed columns the document leaves out, typed as -H -J lists them', async (t) => {
  const f = await mkfds(t, 'epoll_bugs');
  if (!f) return;
  const types = columnTypes('epoll');
  const report = epoll(f, 'epoll', ['-o', 'TFD,EVENTS,NOTE']);
  assertValid('kcmp.epoll/2', JSON.stringify(report));
  const closed = report.targets.find((x) => x.tfd === 100) as EpollTarget;
  assertTyped(closed, { EVENTS: 'eventNames', NOTE: 'note' }, types);
  assert.equal(closed.eventNames, eventNames(closed.events));
  assert.match(closed.eventNames ?? '', /^IN\b/);
  assert.equal(closed.note, `fd 100 is closed but the registration lives on, held as ${f.pids.main}:101`);
  assert.equal(epoll(f, 'epoll').targets[0]?.note, undefined, 'without -o, -J is the document as before');
});
