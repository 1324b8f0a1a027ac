/**
 * Binary insertion and its check under a churning fd, scripted: a comparator over "which description each
 * fd names now", in which ONE fd (any of the bucket's) is re-pointed between two descriptions at moments
 * a seeded generator picks — the dup2 loop of the adversary, without the scheduler's luck. Over thousands
 * of schedules no claim about two fds that never changed may be false: none merged across descriptions,
 * none split while the bucket is reported settled. The rows are real fds of this process (the re-stat
 * after grouping reads them); their identities are the script's. Scripted schedules also make the races
 * the check and the re-stat guard happen at a chosen call, and count the calls the check makes.
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
/** An fd of another file: a row of `file`'s bucket that holds it is an fd number reused since the scan. */
const other = openSync(join(dir, 'other'), 'a+');
after(() => {
  for (const fd of [...fds, other]) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** One bucket of fds `items` of this process: row i is fd items[i], all read as `file`'s inode. */
function job(items: number[]): GroupJob {
  const st = fstatSync(fds[0] as number);
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
    // grouping ≤ n·⌈log2(classes+1)⌉; the check ≤ n: per class of k ≥ 2, k − 2 second-star calls and at
    // most two R' pairs; per class of one, at most one jump (the R pairs were answered by the insertion)
    const bound = n * Math.ceil(Math.log2(classes + 1)) + n;
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

/** A comparator over scripted descriptions (`truth`: fd → the description it names now, in kcmp's order). */
function scripted(truth: (fd: number) => number): FdComparator {
  return {
    method: 'kcmp',
    ordered: true,
    compare(_ta, a, _tb, b): Comparison<ErrnoName> {
      const [x, y] = [truth(a), truth(b)];
      return x === y ? 0 : x < y ? -1 : 1;
    },
  };
}

test("the check asks no pair the insertion answered: R with R', R with its neighbours", () => {
  const items = fds.slice(0, 5);
  // One description of five fds: 4 calls to group, then the second star around fds[1] for the 3 others
  // but the representative (it answered fds[1] equal when fds[1] joined).
  const one = scripted(() => 1);
  assert.equal(grouped(job(items), one).comparisons, 4 + 3);
  // Five descriptions, inserted in kcmp's order: 6 calls to group; each founder met the representative
  // below it, so the R list is answered; the jumps over the three inner classes of one fd are asked.
  const rank = new Map(items.map((fd, i) => [fd, i]));
  const five = scripted((fd) => rank.get(fd) as number);
  const outcome = grouped(job(items), five);
  assert.equal(outcome.comparisons, 6 + 3);
  assert.deepEqual(outcome.fates, []);
  assert.equal(new Set(items.map((_, i) => memberOf(outcome.verdicts, i))).size, 5);
});

test('a churning fd alone in its class, between two founders of one description, is jumped over', () => {
  // a and b hold one description (2); x answers 3 to the first call that meets it, then 1: so x founds a
  // class above a, and b, sent above x, founds another. Insertion answered a < x < b, both true when
  // given; only the jump over x (a against b) shows that a and b are not two descriptions.
  const [a, x, b] = fds.slice(0, 3) as [number, number, number];
  const xs = [3, 1];
  const comparator = scripted((fd) => (fd === x ? (xs.shift() ?? 1) : 2));
  const outcome = grouped(job([a, x, b]), comparator);
  const truth = new Map([
    [a, 2],
    [b, 2],
  ]);
  assertSound([a, x, b], truth, x, outcome.verdicts);
  assert.ok(
    outcome.fates.some(([, f]) => f.kind === 'unsettled'),
    'the churn was caught: fds set apart',
  );
});

test('an fd alone in its class whose number now names another file is dropped as reused', () => {
  // Row 2's fd was read as `file` by the scan; its number names `other` now, and kcmp, comparing what it
  // names, answers "different" from every fd of `file`: only the re-stat sees that the row is stale.
  const items = [fds[0], fds[1], other] as number[];
  const outcome = grouped(
    job(items),
    scripted((fd) => (fd === other ? 2 : 1)),
  );
  assert.deepEqual(outcome.fates, [[2, { kind: 'reused' }]]);
  assert.deepEqual(outcome.classes, [[0, 1]]);
});

test("a member both stars proved equal is not stat'ed again: its equal answers placed it", () => {
  // The script answers that row 2 names the description of rows 0 and 1, as kcmp would had its number been
  // re-pointed there: equal answers from two anchors that held still prove it named this inode when it
  // was compared, so it is not stat'ed again (a stat would see `other`, what the fd really holds here).
  const items = [fds[0], fds[1], other] as number[];
  const outcome = grouped(
    job(items),
    scripted(() => 1),
  );
  assert.deepEqual(outcome.fates, []);
  assert.deepEqual(outcome.classes, [[0, 1, 2]]);
});
