/**
 * Every input the kernel would silently truncate or misread (kcmp-spec.md §1, §10.1) is refused before
 * any syscall: pids outside 1..2^31-1, fds outside 0..2^31-1 (2^32+n would alias fd n), unknown types, bad
 * epoll slots. The library throws InvalidArgumentError — not a SysError, which a syscall would have
 * produced — and the CLI prints one line and exits 2, even under a seccomp filter that kills on kcmp.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { kcmp } from '../src/compare/kcmp.js';
import { sameFile } from '../src/compare/same-file.js';
import { sameTaskResource } from '../src/compare/same-task.js';
import type { FdRef, KcmpType, TaskResource } from '../src/compare/types.js';
import { InvalidArgumentError } from '../src/errors.js';
import { inspectFds } from '../src/inspect/fds/fds.js';
import { isKernelThread, readStat } from '../src/procfs/stat.js';
import { seccompWrapper } from './fixture/seccomp.js';
import { CLI, runCli } from './helpers/cli.js';
import { PID_NAMESPACE, unshareRefused } from './helpers/unshare.js';

const self = process.pid;
const BAD_PIDS: unknown[] = [
  0,
  -1,
  2 ** 31,
  2 ** 32 + self,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '1',
  null,
];
const BAD_FDS: unknown[] = [-1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 0.5, Number.NaN, '3', undefined];

function refused(call: () => unknown, what: string): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, `${what}: threw ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, `${what}: one line`);
    return true;
  });
}

test('kcmp(): bad pids, fds, types and epoll slots throw InvalidArgumentError', () => {
  const k = kcmp as (p1: unknown, p2: unknown, type: unknown, i1?: unknown, i2?: unknown) => unknown;
  for (const pid of BAD_PIDS) {
    refused(() => k(pid, self, 'vm'), `pid1 ${String(pid)}`);
    refused(() => k(self, pid, 'vm'), `pid2 ${String(pid)}`);
  }
  for (const fd of BAD_FDS) {
    refused(() => k(self, self, 'file', fd, 0), `fd1 ${String(fd)}`);
    refused(() => k(self, self, 'file', 0, fd), `fd2 ${String(fd)}`);
    refused(() => k(self, self, 'epoll-tfd', fd, { epfd: 0, targetFd: 0 }), `epoll fd1 ${String(fd)}`);
  }
  for (const type of ['nope', 'FILE ', '', 8, -1]) refused(() => k(self, self, type), `type ${String(type)}`);
  const slots: unknown[] = [
    undefined,
    null,
    5,
    { epfd: -1, targetFd: 0 },
    { epfd: 0, targetFd: 2 ** 32 },
    { epfd: 0 },
    { epfd: 0, targetFd: 0, offset: -1 },
    { epfd: 0, targetFd: 0, offset: 2 ** 32 },
    { epfd: 0, targetFd: 0, offset: 0.5 },
  ];
  for (const slot of slots)
    refused(() => k(self, self, 'epoll-tfd', 0, slot), `slot ${JSON.stringify(slot)}`);
});

test('kcmp(): the kernel number or KCMP_ name of a type resolves; anything else is refused', () => {
  const k = kcmp as (p1: unknown, p2: unknown, type: unknown) => unknown;
  for (const type of [1, '1', 'KCMP_VM']) assert.equal(k(self, self, type), 'equal', `type ${String(type)}`);
  for (const type of [8, -1, '8', 1.5, 'KCMP_NOPE'])
    refused(() => k(self, self, type), `type ${String(type)}`);
});

test('sameFile() and sameTaskResource(): bad refs, pids and kinds throw InvalidArgumentError', () => {
  const same = sameFile as (a: unknown, b: unknown) => unknown;
  const ok: FdRef = { pid: self, fd: 0 };
  const refs: unknown[] = [
    null,
    'x',
    {},
    ...BAD_PIDS.map((pid) => ({ pid, fd: 0 })),
    ...BAD_FDS.map((fd) => ({ pid: self, fd })),
  ];
  for (const ref of refs) {
    refused(() => same(ref, ok), `first ${JSON.stringify(ref)}`);
    refused(() => same(ok, ref), `second ${JSON.stringify(ref)}`);
  }
  const task = sameTaskResource as (a: unknown, b: unknown, kind: unknown) => unknown;
  for (const pid of BAD_PIDS) refused(() => task(pid, self, 'vm'), `task pid ${String(pid)}`);
  for (const kind of ['file', 'epoll-tfd', 'nope', 1] as unknown as (TaskResource | KcmpType)[]) {
    refused(() => task(self, self, kind), `kind ${String(kind)}`);
  }
});

/** Library calls as plain JavaScript may make them: no type checks, anything for any argument. */
const MALFORMED: Record<string, (lib: Record<string, (...args: unknown[]) => unknown>) => unknown> = {
  'parseKcmpType()': (l) => l.parseKcmpType?.(),
  'parseKcmpType({})': (l) => l.parseKcmpType?.({}),
  "parseKcmpType('constructor')": (l) => l.parseKcmpType?.('constructor'),
  "kcmp(self, self, 'toString')": (l) => l.kcmp?.(self, self, 'toString'),
  'sameFile(a, b, "borrow")': (l) => l.sameFile?.({ pid: self, fd: 0 }, { pid: self, fd: 1 }, 'borrow'),
  "sameFile(a, b, { borrow: 'yes' })": (l) =>
    l.sameFile?.({ pid: self, fd: 0 }, { pid: self, fd: 1 }, { borrow: 'yes' }),
  'remedyFor()': (l) => l.remedyFor?.(),
  'remedyFor({})': (l) => l.remedyFor?.({}),
  "remedyFor({ syscall: 'kcmp', errno: 7 })": (l) => l.remedyFor?.({ syscall: 'kcmp', errno: 7 }),
  'inspectTasks()': (l) => l.inspectTasks?.(),
  'inspectTasks(null)': (l) => l.inspectTasks?.(null),
  'inspectTasks({})': (l) => l.inspectTasks?.({}),
  "inspectTasks({ selection: 'all' })": (l) => l.inspectTasks?.({ selection: 'all' }),
  "inspectTasks({ selection: { kind: 'pids' } })": (l) => l.inspectTasks?.({ selection: { kind: 'pids' } }),
  "inspectTasks({ selection: { kind: 'pids', pids: [0] } })": (l) =>
    l.inspectTasks?.({ selection: { kind: 'pids', pids: [0] } }),
  "inspectTasks({ selection: { kind: 'pids', pids: '12' } })": (l) =>
    l.inspectTasks?.({ selection: { kind: 'pids', pids: '12' } }),
  "inspectTasks({ selection: { kind: 'tree' } })": (l) => l.inspectTasks?.({ selection: { kind: 'tree' } }),
  "inspectTasks({ selection: { kind: 'union', pids: [] } })": (l) =>
    l.inspectTasks?.({ selection: { kind: 'union', pids: [] } }),
  "inspectTasks({ selection: { kind: 'everything' } })": (l) =>
    l.inspectTasks?.({ selection: { kind: 'everything' } }),
  'inspectEpoll()': (l) => l.inspectEpoll?.(),
  'inspectEpoll(self, 3)': (l) => l.inspectEpoll?.(self, 3),
  "inspectEpoll({ pid: self, epfd: 'x' })": (l) => l.inspectEpoll?.({ pid: self, epfd: 'x' }),
  'inspectEpoll({ pid: self, epfd: 0, search: self })': (l) =>
    l.inspectEpoll?.({ pid: self, epfd: 0, search: self }),
  'inspectLeaks()': (l) => l.inspectLeaks?.(),
  'inspectLeaks({})': (l) => l.inspectLeaks?.({}),
  "inspectLeaks({ selection: { kind: 'x' } })": (l) => l.inspectLeaks?.({ selection: { kind: 'x' } }),
  "inspectLeaks({ selection: { kind: 'all' }, fork: 'yes' })": (l) =>
    l.inspectLeaks?.({ selection: { kind: 'all' }, fork: 'yes' }),
  'inspectContainerLeaks()': (l) => l.inspectContainerLeaks?.(),
  "inspectContainerLeaks({ container: 'all' })": (l) => l.inspectContainerLeaks?.({ container: 'all' }),
  "inspectContainerLeaks({ container: 'x', selection: { kind: 'all' } })": (l) =>
    l.inspectContainerLeaks?.({ container: 'x', selection: { kind: 'all' } }),
  'fleetScan()': (l) => l.fleetScan?.(),
  'fleetScan({})': (l) => l.fleetScan?.({}),
  "fleetScan({ selection: { kind: 'all' }, groupBy: 'pid' })": (l) =>
    l.fleetScan?.({ selection: { kind: 'all' }, groupBy: 'pid' }),
  "fleetScan({ selection: { kind: 'all' }, maxLabelValues: 0 })": (l) =>
    l.fleetScan?.({ selection: { kind: 'all' }, maxLabelValues: 0 }),
};

test('every malformed call from plain JavaScript throws or rejects with InvalidArgumentError and its code', async () => {
  const lib = (await import('../src/index.js')) as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrong: string[] = [];
  for (const [call, make] of Object.entries(MALFORMED)) {
    let error: unknown;
    try {
      await make(lib);
    } catch (e) {
      error = e;
    }
    const ok =
      error instanceof InvalidArgumentError &&
      error.code === 'ERR_INVALID_ARG_VALUE' &&
      !error.message.includes('\n');
    if (!ok) wrong.push(`${call}: ${error === undefined ? 'no error' : String(error)}`);
  }
  assert.deepEqual(wrong, []);
});

/** Each CLI invocation: exit 2, nothing on stdout, one line on stderr (plus commander's usage hint). */
const CLI_CASES: string[][] = [
  ['raw', '0', '1', 'vm'],
  ['raw', '1', '-1', 'vm'],
  ['raw', '2147483648', '1', 'vm'],
  ['raw', '1.5', '1', 'vm'],
  ['raw', 'abc', '1', 'vm'],
  ['raw', '0x10', '1', 'vm'],
  ['raw', '1', '1', 'nope'],
  ['raw', '1', '1', 'file', '2147483648', '0'],
  ['raw', '1', '1', 'file', '0', '4294967296'],
  ['raw', '1', '1', 'file', '0', '99999999999'],
  ['raw', '1', '1', 'file', '0'],
  ['raw', '1', '1', 'vm', '3'],
  ['raw', '1', '1', 'epoll-tfd', '0', 'x'],
  ['raw', '1', '1', 'epoll-tfd', '0', '1:2:3:4'],
  ['raw', '1', '1', 'epoll-tfd', '0', '1'],
  ['raw', '1', '1', 'epoll-tfd', '0', '1:4294967296'],
  ['same', 'x:1', '1:1'],
  ['same', '1:1', '0:1'],
  ['same', '1:1', '1:4294967296'],
  ['same', '1', '1:1'],
  ['same', '1:2:3', '1:1'],
  ['same', '2147483648:0', '1:1'],
  ['same', '1:1'],
  ['raw'],
];

test('the CLI answers every invalid input with one line and exit 2, and no kcmp call (seccomp kill)', () => {
  // Under a filter that kills on kcmp, a process that called it would die of SIGSYS.
  const wrapper = seccompWrapper('kill');
  for (const args of CLI_CASES) {
    const r = runCli(args, { wrapper });
    const what = `kcmp ${args.join(' ')}`;
    assert.equal(r.signal, null, `${what}: died of ${r.signal}`);
    assert.equal(r.code, 2, `${what}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(r.stdout, '', what);
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/, what);
  }
});

test('kcmp same with one fd or none says what to type', () => {
  for (const args of [['same', `${self}:1`], ['same']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^kcmp: two fds are needed, as PID:FD PID:FD \(e\.g\. kcmp same 1234:3 1235:3\): [^\n]+\n$/,
    );
  }
});

/** kthreadd (pid 2), a kernel thread to name read-only, where this PID namespace shows it. */
function kernelThread(): number | undefined {
  try {
    return isKernelThread(readStat(2)) ? 2 : undefined;
  } catch {
    return undefined;
  }
}

test('a selection of kernel threads alone is one line and exit 2 (nothing to scan), never "0 processes"', (t) => {
  const k = kernelThread();
  if (k === undefined)
    return t.skip('no kernel thread at pid 2 here (kthreadd, in the initial PID namespace)');
  for (const args of [
    ['fds', '-p', String(k)],
    ['fds', '--tree', String(k), '--all'],
    ['leaks', '-p', String(k)],
    ['leaks', '--tree', String(k)],
    ['tasks', '-p', String(k)],
    ['metrics', '-p', String(k)],
  ]) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}: ${r.stdout}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(
      r.stderr,
      /^kcmp: nothing to scan: the selection \([^)]+\) holds no user-space process: [^\n]*kernel thread[^\n]*; name a user-space process[^\n]*\n$/,
      args.join(' '),
    );
  }
  const mixed = runCli(['fds', '-p', `${k},${self}`, '-J']);
  assert.equal(mixed.code, 0, `named beside a user-space process, it is scanned (no fds): ${mixed.stderr}`);
});

test('a PID namespace holding no process but kcmp: one line and exit 2, not an empty report', (t) => {
  const refusal = unshareRefused();
  if (refusal) return t.skip(refusal);
  const r = spawnSync('unshare', [...PID_NAMESPACE, process.execPath, CLI, 'leaks'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /^kcmp: nothing to scan: the selection \(every process\) holds no process but kcmp itself;/,
  );
});

test('inspectFds(): one engine knob; malformed or contradictory options throw InvalidArgumentError', async () => {
  const call = inspectFds as (options: unknown) => Promise<unknown>;
  const bad: [unknown, RegExp][] = [
    [undefined, /^invalid options undefined for inspectFds\(\): pass an object$/],
    [{}, /a selection is required/],
    [{ selection: { kind: 'pid' } }, /unknown selection kind "pid"/],
    [{ selection: { kind: 'pids', pids: 12 } }, /selection pids must be an array of pids/],
    [{ selection: { kind: 'pids', pids: [0] } }, /invalid pid in selection pids 0/],
    [{ selection: { kind: 'tree', root: '1' } }, /invalid selection root "1"/],
    [{ selection: { kind: 'all' }, all: 'yes' }, /^invalid all option "yes": true or false$/],
    [{ selection: { kind: 'all' }, fdinfo: 'all' }, /^invalid fdinfo option "all": true, false or 'shared'$/],
    [{ selection: { kind: 'all' }, peers: 1 }, /^invalid peers option 1: true, false or 'selection'$/],
    [
      { selection: { kind: 'all' }, objects: [{ pid: 1 }] },
      /^invalid object \(an object\): \{ file: PATH \} or \{ pid, fd \}$/,
    ],
    [
      { selection: { kind: 'all' }, engine: 'ebpf' },
      /^invalid engine option "ebpf": one of auto, kcmp, borrow, bpf$/,
    ],
    [{ selection: { kind: 'all' }, workers: -1 }, /^invalid workers option -1: 'auto' or 0 to 64$/],
    [
      { selection: { kind: 'all' }, borrow: true, engine: 'kcmp' },
      /borrow: true and engine: 'kcmp' contradict/,
    ],
    [{ selection: { kind: 'all' }, onProgress: 1 }, /^invalid onProgress option 1: a function$/],
  ];
  for (const [options, message] of bad) {
    await assert.rejects(call(options), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, `${JSON.stringify(options)}: ${String(error)}`);
      assert.equal(error.code, 'ERR_INVALID_ARG_VALUE');
      assert.match(error.message, message);
      return true;
    });
  }
  // borrow: true is the borrow engine: with kcmp usable here, the kcmp engine runs and says so.
  let reason = '';
  const report = await inspectFds({
    selection: { kind: 'pids', pids: [self] },
    borrow: true,
    onEngine: (choice) => {
      reason = choice.reason;
    },
  });
  assert.equal(report.stats.engine, 'kcmp');
  assert.match(reason, /borrow is used only where kcmp is blocked/);
});
