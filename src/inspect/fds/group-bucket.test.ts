/**
 * Binary insertion and its check under a churning fd, scripted: a comparator over "which description each
 * fd names now", in which ONE fd (any of the bucket's) is re-pointed between two descriptions at moments
 * a seeded generator picks — the dup2 loop of the adversary, without the scheduler's luck. Over thousands
 * of schedules no claim about two fds that never changed may be false: none merged across descriptions,
 * none split while the bucket is reported settled. The rows are real fds of this process (the re-stat
 * after grouping reads them); their identities are the script's.
 */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { seededRandom as random } from '../../../test/helpers/seeded.js';
import { decided, memberOf } from '../../../test/helpers/verdicts.js';
import { CompareFailure, type Comparison } from '../../compare/comparison.js';
import type { FdComparator } from '../../compare/fd-comparator.js';
import { allocFdColumns } from '../../procfs/fds.js';
import type { ErrnoName } from '../../sys/errno.js';
import { type GroupJob, groupBuckets } from './group-bucket.js';
import { allocVerdicts, type Verdicts } from './verdicts.js';

const dir = mkdtempSync(join(tmpdir(), 'kcmp-bucket-'));
const fds = Array.from({ length: 9 }, () => openSync(join(dir, 'file'), 'a+'));
after(() => {
  for (const fd of fds) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** One bucket of fds `items` of this process: row i is fd items[i]. */
function job(items: number[]): GroupJob {
  const st = fstatSync(items[0] as number);
  const rows = allocFdColumns(items.length);
  rows.fd.set(items);
  rows.dev.fill(st.dev);
  rows.ino.fill(st.ino);
  return {
    method: 'kcmp',
    rows: { ...rows, table: new Int32Array(items.length) },
    tid: Int32Array.of(process.pid),
    bucketRows: Int32Array.from(items, (_, i) => i),
    ranges: Int32Array.of(0, items.length),
    verdicts: allocVerdicts(rows.errno, false),
  };
}

/** Groups the job's one bucket; what it wrote. */
function grouped(j: GroupJob, comparator: FdComparator) {
  const comparisons = groupBuckets(j, comparator);
  return { comparisons, verdicts: j.verdicts, ...decided(j.verdicts, j.bucketRows) };
}

/** kcmp's order over descriptions 1..n; `churner` names `a` or `b` (chosen anew at each call). */
function churning(truth: Map<number, number>, churner: number, next: () => number): FdComparator {
  const now = (fd: number) => (fd === churner ? next() : (truth.get(fd) as number));
  return {
    method: 'kcmp',
    ordered: true,
    compare(_ta, a, _tb, b): Comparison<ErrnoName> {
      const x = now(a);
      const y = now(b);
      return x === y ? 0 : x < y ? -1 : 1;
    },
  };
}

/**
 * Checks one grouping against the truth: two fds that never changed are in one class only if they name one
 * description, and in two settled classes only if they name two. The churner may land anywhere.
 */
function assertSound(items: number[], truth: Map<number, number>, churner: number, verdicts: Verdicts) {
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const [a, b] = [items[i] as number, items[j] as number];
      if (a === churner || b === churner) continue;
      const [ka, kb] = [memberOf(verdicts, i), memberOf(verdicts, j)];
      if (ka < 0 || kb < 0) continue; // unsettled: no claim
      const same = truth.get(a) === truth.get(b);
      assert.equal(ka === kb, same, `fds ${a} and ${b}: ${same ? 'false "different"' : 'false "same"'}`);
    }
  }
}

test('one churning fd never makes a false "same" or "different" about fds that held still', () => {
  let settled = 0;
  let unsettled = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const next = random(seed);
    // 5 to 9 fds over 2 or 3 descriptions of one file; the churner flips between the first two.
    const n = 5 + Math.floor(next() * 5);
    const items = fds.slice(0, n).sort(() => next() - 0.5);
    const descriptions = 2 + Math.floor(next() * 2);
    const truth = new Map(items.map((fd, i) => [fd, 1 + (i % descriptions)]));
    const churner = items[Math.floor(next() * n)] as number;
    const flip = () => (next() < 0.5 ? 1 : 2);
    const outcome = grouped(job(items), churning(truth, churner, flip));
    assertSound(items, truth, churner, outcome.verdicts);
    if (outcome.fates.some(([, f]) => f.kind === 'unsettled')) unsettled++;
    else settled++;
  }
  // Both outcomes must occur: a schedule that never disturbed the grouping proves nothing, and one that
  // always ends unsettled would hide a check that never passes.
  assert.ok(settled > 100, `settled buckets: ${settled}`);
  assert.ok(unsettled > 100, `unsettled buckets: ${unsettled}`);
});

test('without churn every bucket settles in one grouping, within binary insertion plus the check', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    const n = 2 + Math.floor(next() * 8);
    const items = fds.slice(0, n);
    const truth = new Map(items.map((fd) => [fd, 1 + Math.floor(next() * 4)]));
    const calls: number[] = [];
    const counting = churning(truth, -1, () => 0);
    const outcome = grouped(job(items), {
      ...counting,
      compare: (...args) => {
        calls.push(0);
        return counting.compare(...args);
      },
    });
    assert.deepEqual(outcome.fates, []);
    assertSound(items, truth, -1, outcome.verdicts);
    const classes = new Set(truth.values()).size;
    // grouping ≤ n·⌈log2(classes+1)⌉; the check ≤ n − classes (second stars) + 3·classes (anchor order)
    const bound = n * Math.ceil(Math.log2(classes + 1)) + n + 2 * classes;
    assert.ok(calls.length <= bound, `${calls.length} calls for ${n} fds in ${classes} descriptions`);
  }
});

test('a gone representative hands over and the bucket still settles without a false answer', () => {
  const items = fds.slice(0, 6);
  const truth = new Map(items.map((fd, i) => [fd, 1 + (i % 2)]));
  const gone = items[0] as number;
  let calls = 0;
  const outcome = grouped(job(items), {
    method: 'kcmp',
    ordered: true,
    compare(_ta, a, _tb, b) {
      calls++;
      // fd `gone` closes after the grouping's third call: later calls blame it
      if (calls > 3 && (a === gone || b === gone))
        return new CompareFailure<ErrnoName>('EBADF', a === gone ? 'a' : 'b');
      const x = truth.get(a) as number;
      const y = truth.get(b) as number;
      return x === y ? 0 : x < y ? -1 : 1;
    },
  });
  assert.deepEqual(outcome.fates, [[0, { kind: 'failed', syscall: 'kcmp', errno: 'EBADF' }]]);
  assertSound(items, truth, gone, outcome.verdicts);
  assert.ok(items.every((_, i) => i === 0 || memberOf(outcome.verdicts, i) >= 0));
});
