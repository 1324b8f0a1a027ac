/**
 * The verdict columns and the one certainty rule every engine's group stage settles a bucket by.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decided } from '../../../test/helpers/verdicts.js';
import { errnoNumber } from '../../sys/errno.js';
import { allocVerdicts, FATE, fail, METHODS, settleBucket } from './verdicts.js';

/** Per description (by key): its method and certainty, as "kcmp certain" or "none uncertain". */
const decidedBy = (v: ReturnType<typeof allocVerdicts>, keys: number[]) =>
  keys.map((key) => `${METHODS[v.method[key] as number]} ${v.certain[key] ? 'certain' : 'uncertain'}`);

test('a bucket with an unsettled fd: its classes uncertain, a class of one and the fd itself method none', () => {
  const v = allocVerdicts(new Uint16Array(4), false);
  fail(v, 0, FATE.unsettled);
  settleBucket(v, [0, 1, 2, 3], [[3, 1], [2]], () => 'kcmp');
  assert.deepEqual(Array.from(v.description), [0, 1, 2, 1], 'a class is keyed by its least row');
  assert.deepEqual(decidedBy(v, [0, 1, 2]), ['none uncertain', 'kcmp uncertain', 'none uncertain']);
});

test('a bucket every fd of which was compared: certain, each class with what decided it', () => {
  const v = allocVerdicts(new Uint16Array(5), false);
  fail(v, 4, FATE.failed, 'kcmp', errnoNumber('EBADF'));
  settleBucket(v, [0, 1, 2, 3, 4], [[2, 0], [1, 4], [3]], (size) => (size > 1 ? 'kcmp' : 'bpf-pass'));
  const { classes, fates } = decided(v, [0, 1, 2, 3, 4]);
  assert.deepEqual(classes, [[0, 2], [1], [3]], 'the failed fd leaves its class');
  assert.deepEqual(fates, [[4, { kind: 'failed', syscall: 'kcmp', errno: 'EBADF' }]]);
  assert.deepEqual(decidedBy(v, [0, 1, 3]), ['kcmp certain', 'bpf-pass certain', 'bpf-pass certain']);
});

test('verdicts start undecided, failed where the stat failed, in shared memory when workers write them', () => {
  const v = allocVerdicts(Uint16Array.of(0, errnoNumber('ENOENT') as number), true);
  for (const column of Object.values(v)) assert.ok(column.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(decided(v, [1]).fates, [[1, { kind: 'failed', syscall: 'stat', errno: 'ENOENT' }]]);
  assert.equal(v.fate[0], FATE.member);
  assert.equal(v.description[0], -1);
});
