/**
 * The report types forbid what a scan cannot produce: checked at compile time, as a strict consumer of
 * the package compiles them (test/helpers/typecheck.ts). Each `@ts-expect-error` line must be an error:
 * were the type wider, the directive would be unused, and that is an error too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typecheck } from './helpers/typecheck.js';

const KIND_NAMES = `
import type { ContainerLeak, Description, FileTypeName, KindName, Leak, StatTypeName } from 'kcmp';
const kinds: KindName[] = ['REG', 'FIFO', 'SOCK', 'LINK', 'mqueue', 'memfd_secret', 'eventfd', 'bpf-link', 'UNKNOWN'];
// @ts-expect-error: no such kind
const pipe: KindName = 'PIPE';
// @ts-expect-error: the kernel's anon-inode name is not the TYPE (bpf_link is shown as bpf-link)
const kernelName: KindName = 'bpf_link';
// a description's type is a kind name, or a socket's protocol as the kernel names it (any name may come)
const described: Description['type'] = 'UDP-Lite';
// @ts-expect-error: its stType is a file type in st_mode, nothing else
const statType: Description['stType'] = 'TCP';
// @ts-expect-error: lsfd's STTYPE of an anonymous inode is UNKN
const unknown: StatTypeName = 'UNKNOWN';
// @ts-expect-error: so is a leak's
const leaked: Leak['stType'] = 'TCP';
// @ts-expect-error: and a container leak's
const reached: ContainerLeak['stType'] = 'TCP';
const back: FileTypeName[] = [({} as Description).type, ({} as Leak).type, ({} as ContainerLeak).type, 'SOCK'];
const stTypes: StatTypeName[] = [({} as Description).stType, ({} as Leak).stType, ({} as ContainerLeak).stType];
export { kinds, pipe, kernelName, described, statType, unknown, leaked, reached, back, stTypes };
`;

const TASK_ERRORS = `
import type { TaskError } from 'kcmp';
const m = 'why';
const rows: TaskError[] = [
  { pid: 1, tid: 1, command: 'a', kind: null, reason: 'zombie', syscall: null, errno: null, message: m },
  { pid: 1, tid: null, command: null, kind: null, reason: 'gone', syscall: 'readdir', errno: 'ENOENT', message: m },
  { pid: null, tid: null, command: null, kind: 'io', reason: 'undecided', syscall: null, errno: null, message: m },
  { pid: null, tid: null, command: null, kind: 'sysvsem', reason: 'unsupported', syscall: 'kcmp', errno: 'EOPNOTSUPP', message: m },
  { pid: null, tid: null, command: null, kind: null, reason: 'denied', syscall: 'kcmp', errno: 'EPERM', message: m },
  { pid: null, tid: null, command: null, kind: null, reason: 'seccomp-kill', syscall: null, errno: null, message: m },
];
// @ts-expect-error: a zombie names no failed call
const zombieCall: TaskError = { pid: 1, tid: 1, command: 'a', kind: null, reason: 'zombie', syscall: 'kcmp', errno: 'EPERM', message: m };
// @ts-expect-error: a zombie is a task that was read: its tid and command are known
const zombieUnread: TaskError = { pid: 1, tid: null, command: null, kind: null, reason: 'zombie', syscall: null, errno: null, message: m };
// @ts-expect-error: a refused call has an errno
const deniedNoErrno: TaskError = { pid: 1, tid: 1, command: 'a', kind: null, reason: 'denied', syscall: 'kcmp', errno: null, message: m };
// @ts-expect-error: a kind-level row concerns no one task
const kindOfTask: TaskError = { pid: 1, tid: 1, command: 'a', kind: 'io', reason: 'undecided', syscall: null, errno: null, message: m };
// @ts-expect-error: under a kill policy kcmp answered no errno
const killedEperm: TaskError = { pid: null, tid: null, command: null, kind: null, reason: 'seccomp-kill', syscall: 'kcmp', errno: 'EPERM', message: m };
// @ts-expect-error: a task is never undecided: only io and sysvsem, as kinds, are
const taskUndecided: TaskError = { pid: 1, tid: 1, command: 'a', kind: null, reason: 'undecided', syscall: null, errno: null, message: m };
const calls = rows.flatMap((e) => (e.errno === null ? [] : [\`\${e.syscall.length}:\${e.errno}\`]));
const kinds = rows.flatMap((e) => (e.pid === null && e.kind !== null ? [e.kind] : []));
export { calls, deniedNoErrno, killedEperm, kindOfTask, kinds, taskUndecided, zombieCall, zombieUnread };
`;

test('the checker reports a type error in a snippet (the checks below can fail)', () => {
  const result = typecheck(new Map([['broken', "import { kcmp } from 'kcmp';\nconst n: number = kcmp;\n"]]));
  assert.equal(result.get('broken')?.length, 1, String(result.get('broken')));
});

test("a description's type is a kind or a protocol; its stType, a leak's and a container leak's are stat types", () => {
  assert.deepEqual(typecheck(new Map([['kind-names', KIND_NAMES]])).get('kind-names'), []);
});

test('a task error cannot be written in an impossible state: its fields follow its reason and scope', () => {
  assert.deepEqual(typecheck(new Map([['task-errors', TASK_ERRORS]])).get('task-errors'), []);
});
