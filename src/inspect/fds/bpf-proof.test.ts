/**
 * The bpf engine's proof, each branch of the gone-anchor rule scripted: the kcmp call is a script over
 * "which description each fd number names now", changed between two calls as a target would change it.
 * The rows are real fds of this process (one temporary file), so the re-stat after the proof reads what
 * the kernel has.
 */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decided } from '../../../test/helpers/verdicts.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import { allocFdColumns } from '../../procfs/fds.js';
import { errnoNumber } from '../../sys/errno.js';
import { KCMP } from '../../sys/kcmp.js';
import { proveProposal as writeProof } from './bpf-proof.js';
import type { FdRows } from './fd-rows.js';
import { allocVerdicts } from './verdicts.js';

const dir = mkdtempSync(join(tmpdir(), 'kcmp-proof-'));
const path = join(dir, 'file');
const opened: number[] = [];
after(() => {
  for (const fd of opened) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** Real fds of one file; `names` maps each to the description the script says it names. */
function fds(n: number): number[] {
  const out = Array.from({ length: n }, () => openSync(path, 'a+'));
  opened.push(...out);
  return out;
}

/** Rows for fds of this process, all proposed as one struct file (key 1). */
function rows(list: number[]): FdRows & { fileKey: Int32Array } {
  const cols = allocFdColumns(list.length);
  list.forEach((fd, i) => {
    const st = fstatSync(fd);
    cols.fd[i] = fd;
    cols.dev[i] = st.dev;
    cols.ino[i] = st.ino;
    cols.mode[i] = st.mode;
  });
  return {
    ...cols,
    tables: [{ pid: process.pid, tid: process.pid, sharedBy: [], compared: true }],
    table: new Int32Array(list.length),
    fileKey: new Int32Array(list.length).fill(1),
  };
}

/**
 * A scripted kcmp(KCMP_FILE) over fds of this process: `names[fd]` is the description fd names now
 * (undefined: closed, EBADF); `before(call)` may change `names` before call number `call` is answered.
 * Every pair asked is logged.
 */
function script(names: Record<number, number | undefined>, before: (call: number) => void = () => {}) {
  const asked: [number, number][] = [];
  let calls = 0;
  const call = (_p1: number, _p2: number, type: number, a: number, b: number) => {
    assert.equal(type, KCMP.FILE);
    before(calls++);
    if (a !== b) asked.push([a, b]);
    const x = names[a];
    const y = names[b];
    if (x === undefined || y === undefined) return -(errnoNumber('EBADF') as number);
    return x === y ? 0 : x < y ? 1 : 2;
  };
  return { call, asked };
}

const bucket = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** The proof, and what it wrote for the bucket's rows: its classes (null when not proven) and fates. */
function proveProposal(
  r: FdRows & { fileKey: Int32Array },
  members: Int32Array,
  call: Parameters<typeof writeProof>[3],
) {
  const verdicts = allocVerdicts(r.errno, false);
  const dirs = new FdDirs();
  const proof = writeProof(r, members, verdicts, dirs, call);
  dirs.close();
  const { classes, fates } = decided(verdicts, members);
  return { calls: proof.calls, classes: proof.proven ? classes : null, fates };
}

test('a proposal whose every fd answers equal is proven with one call per fd beyond the first', () => {
  const [a, x, b] = fds(3) as [number, number, number];
  const { call } = script({ [a]: 1, [x]: 1, [b]: 1 });
  const proof = proveProposal(rows([a, x, b]), bucket(3), call);
  assert.deepEqual(proof.classes, [[0, 1, 2]]);
  assert.equal(proof.calls, 2);
});

test('anchor gone after a proof: the fd proven equal to it anchors, and the next fd is compared with it', () => {
  const [a, x, b] = fds(3) as [number, number, number];
  // a ═ x is proven; then a closes, and b's number names another open of the file: b was never x's.
  const names: Record<number, number | undefined> = { [a]: 1, [x]: 1, [b]: 1 };
  const { call, asked } = script(names, (n) => {
    if (n === 1) {
      names[a] = undefined;
      names[b] = 2;
    }
  });
  const proof = proveProposal(rows([a, x, b]), bucket(3), call);
  assert.ok(
    asked.some(([p, q]) => (p === b && q === x) || (p === x && q === b)),
    `b compared with x: ${JSON.stringify(asked)}`,
  );
  assert.equal(proof.classes, null, 'b ≠ x: the proposal is not proven; binary insertion decides');
});

test('anchor gone after a proof, the rest still equal: the class is what remains, the anchor an error', () => {
  const [a, x, b] = fds(3) as [number, number, number];
  const names: Record<number, number | undefined> = { [a]: 1, [x]: 1, [b]: 1 };
  const { call } = script(names, (n) => {
    if (n === 1) names[a] = undefined;
  });
  const proof = proveProposal(rows([a, x, b]), bucket(3), call);
  assert.deepEqual(proof.classes, [[1, 2]]);
  assert.deepEqual(proof.fates, [[0, { kind: 'failed', syscall: 'kcmp', errno: 'EBADF' }]]);
});

test('anchor gone before any proof: the fd being compared anchors, the others are compared with it', () => {
  const [a, x, b] = fds(3) as [number, number, number];
  const names: Record<number, number | undefined> = { [a]: undefined, [x]: 1, [b]: 1 };
  const { call, asked } = script(names);
  const proof = proveProposal(rows([a, x, b]), bucket(3), call);
  assert.deepEqual(proof.classes, [[1, 2]]);
  assert.ok(asked.some(([p, q]) => p === b && q === x));
  assert.deepEqual(
    proof.fates.map(([row]) => row),
    [0],
  );
});

test('a failed proof (an fd answers another description) hands the bucket to binary insertion', () => {
  const [a, x, b] = fds(3) as [number, number, number];
  const { call } = script({ [a]: 1, [x]: 1, [b]: 2 });
  assert.equal(proveProposal(rows([a, x, b]), bucket(3), call).classes, null);
});

test('fd numbers reused for another file since the pass leave the proven class at the re-stat', () => {
  const [a, x] = fds(2) as [number, number];
  const r = rows([a, x]);
  // The pass saw another inode at both numbers: its struct file was closed and both numbers reused since.
  for (const row of [0, 1]) r.ino[row] = (r.ino[row] as number) + 1;
  const { call } = script({ [a]: 1, [x]: 1 });
  const proof = proveProposal(r, bucket(2), call);
  assert.deepEqual(proof.classes, []);
  assert.deepEqual(proof.fates, [
    [0, { kind: 'reused' }],
    [1, { kind: 'reused' }],
  ]);
});

test('a /proc/PID/fd directory held since an earlier bucket still catches a number reused after it was opened', () => {
  const [a, x] = fds(2) as [number, number];
  const first = rows([a, x]);
  const { call } = script({ [a]: 1, [x]: 1 });
  const dirs = new FdDirs();
  try {
    const verdicts = allocVerdicts(first.errno, false);
    assert.equal(writeProof(first, bucket(2), verdicts, dirs, call).proven, true); // opens our directory
    // The pass saw one file at both numbers; a is then closed and its number reused for another file.
    const later = rows([a, x]);
    closeSync(a);
    const other = openSync(join(dir, 'other'), 'w');
    opened.splice(opened.indexOf(a), 1, other);
    assert.equal(other, a, 'the lowest free number is reused');
    const again = allocVerdicts(later.errno, false);
    writeProof(later, bucket(2), again, dirs, script({ [a]: 1, [x]: 1 }).call);
    assert.deepEqual(decided(again, bucket(2)).fates, [[0, { kind: 'reused' }]]);
  } finally {
    dirs.close();
  }
});
