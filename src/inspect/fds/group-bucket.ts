/**
 * Grouping the fds of same-inode buckets by binary insertion, bucket by bucket — the part of the kcmp (and
 * borrow) engine that calls kcmp. It runs on the main thread or in a worker (fds-worker.ts) with the same
 * code: a job names bucket ranges of the scan's shared rows, and writes each row's verdict in place
 * (verdicts.ts); only its count of comparisons travels back.
 *
 * For each bucket:
 *   1. group: binary insertion by the comparator's order (src/group/engine.ts), an fd first compared with the
 *      class of the same fd number in the table it was likely inherited from (its parent's, else its
 *      previous sibling's): one call proves an inherited fd, instead of log2(classes);
 *   2. verify, so that no single fd that changes under the comparisons can make a false answer (below);
 *   3. re-stat every fd left alone in its class: a changed (dev, ino) means its number was reused; it is
 *      dropped (below: why the others need no re-stat). When every description will be named
 *      (`confirmByName`), the stat that checks its name after the readlink is that re-stat (names.ts): the
 *      fd is marked `unconfirmed` instead, and not stat'ed twice.
 *
 * Why step 2. kcmp compares whatever file each fd number names AT THAT MOMENT, holding no reference. A target
 * that re-points one fd with dup2 between two opens D1, D2 of a file (or closes it and reuses its number)
 * answers "equal" to D1's holders at one call and to D2's at the next: if that fd represents a class, the
 * class's star (every member ═ the representative, engine.ts) joins D1 and D2, and a binary search through
 * it sends items the wrong way (a false "different"). Each answer is true at its own moment; a CLAIM about
 * two fds x, y is sound when it follows from answers in which neither x nor y nor any fd on the way
 * changed — so the proof of every claim must survive the removal of any ONE fd on its way (a churner):
 *
 *   same: every class is proven by TWO stars with different anchors, R (the representative it was grouped
 *         by) and R' (its second member):  x ═ R ═ y  and  x ═ R' ═ y.  Whichever of R, R' churns, the
 *         other star holds. A second star costs one call per member but R: R' joined by an equal
 *         answer from R itself, and a claim about R and R' needs no fd between them. When the grouping
 *         handed a gone representative over (engine.ts `evictions`) the first star is rebuilt, and then R
 *         is in the second too (R' may have met only the gone one).
 *   different: the classes' anchors must be strictly increasing in kcmp's order, checked between
 *         neighbours twice: along the R's and along the R''s (a class of one fd has R = R'), and across
 *         each class of one fd (its left and right neighbours' R), so that a chain  x ═ R_A < … < R_B ═ y
 *         avoids any one fd: a churning R_C is skipped by the other list, a churning single fd by the
 *         jump over it. A pair the insertion already compared is not asked again (engine.ts
 *         `answeredLess`: each class's founder met both neighbours it was inserted between, so the R
 *         list is mostly answered before the check begins).
 *
 * An answer need not be fresh: an fd that held still names one description from its stat to the end of
 * the scan, and kcmp orders two live files the same way every time it is asked, so an answer about two
 * such fds is true at any moment; the chains above avoid the one fd that did not hold still, whenever
 * their answers were given. Each claim is then true at one moment even if one fd changes as it likes.
 *
 * A check that fails names its suspects — the fds whose answers disagreed, one of which changed — which are
 * set apart as 'unsettled' (each a description of its own, certain: false), and the rest of the bucket is
 * grouped again (twice at most; after that all its fds are 'unsettled', never merged on a guess): a target
 * churning one fd costs that fd and a few of its neighbours, not every holder of the file. Two or more fds
 * changing in concert are not covered: only --stop (a snapshot) is. An fd found gone meanwhile (closed,
 * exited) is marked gone and skipped — what remains is checked — so a scan under churn is not redone for
 * every fd that closes; a gone anchor hands over by the one rule of star.ts. An fd that could not be compared
 * this time (--borrow at its fd limit: EMFILE) is marked uncompared and skipped alike.
 *
 * Why step 3 re-stats only an fd alone in its class. A member of a class of two or more was answered equal
 * to both anchors (to the other member, in a class of two), and one of those held still: so when it was
 * compared, its number named a description of this bucket's inode, which is what its row claims — a later
 * reuse of the number is a change after the comparisons, as after the scan. An fd alone in its class was
 * answered only "different": had its number been closed and reused for another file between the scan's
 * stat and the comparisons, those answers were about that other file, and its row would claim a description
 * of this inode that no comparison saw (perhaps one it shared: a dup closed and reused becomes a false
 * "different"). The re-stat after the last comparison catches a reuse that lasts (another inode, or closed);
 * a number re-pointed back to this inode before the re-stat (two changes of one fd) is caught by neither
 * this nor the names' check — only --stop is.
 *
 * The borrow comparator (equality only, linear buckets) compares copies of the representatives it HOLDS:
 * a held copy is one description for as long as it is held, so its stars cannot be fooled and no order
 * exists to check; the second star is made all the same (it costs a borrow per member, no more).
 *
 * Per row: its description (the least row of its class), or its fate (verdicts.ts) — failed (closed,
 * exited: dropped as an error), uncompared (privilege, not supported: listed alone, `certain: false`),
 * unsettled or reused.
 */
import { CompareFailure, type Comparison } from '../../compare/comparison.js';
import { type FdComparator, type FdMethod, fdComparator } from '../../compare/fd-comparator.js';
import type { ProbeResult } from '../../compare/probe.js';
import { type Grouping, groupItems } from '../../group/engine.js';
import { proveStar, type Star } from '../../group/star.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import type { FdColumns } from '../../procfs/fds.js';
import { type ErrnoName, errnoNumber, isGone } from '../../sys/errno.js';
import { type ComparingCall, FATE, fail, live, restatRow, settleBucket, type Verdicts } from './verdicts.js';

/** Some buckets of a scan, by reference to its rows (shared memory when the scan has workers). */
export interface GroupJob {
  method: FdMethod;
  /** The scan's rows: each row's fd, (dev, ino) and the index of its table. */
  rows: Pick<FdColumns, 'fd' | 'dev' | 'ino'> & { table: Int32Array };
  /** Per table: its tid. */
  tid: Int32Array;
  /** Per table: the tid of the fd table it was most likely inherited from (its parent's), or 0. */
  inheritedTid?: Int32Array;
  /** The rows of every bucket (Buckets.rows), and this job's buckets as [start, end) index pairs into it. */
  bucketRows: Int32Array;
  ranges: Int32Array;
  /** Where each row's verdict is written. */
  verdicts: Verdicts;
  /** When kcmp cannot be used here: what probing it found (its errno, if it answered one). */
  blocked?: ProbeResult;
  /** Every kept description will be named, each name checked by a stat after its readlink: step 3 leaves
   * the re-stat to that check (the header). */
  confirmByName?: boolean;
}

/** Groupings of one bucket before its fds are given up as uncertain. */
export const ATTEMPTS = 3;

/** Groups the job's buckets, writing each row's verdict; returns the comparisons made. `comparator`: one
 * the caller built (borrowed-dupfd-query); by default the one `job.method` names. */
export function groupBuckets(job: GroupJob, comparator = fdComparator(job.method)): number {
  const out = new Marks(job.verdicts, FAILING_CALL[job.method]);
  const dirs = new FdDirs();
  // One comparison function for the whole job: a closure per bucket made V8 deoptimize and recompile the
  // engine's hot loop over and over (measured in the 50,000-fd benchmark).
  const compare = comparator && comparisonOf(job, comparator, out);
  const method = () => job.method;
  try {
    for (let r = 0; r < job.ranges.length; r += 2) {
      const bucket = job.bucketRows.subarray(job.ranges[r], job.ranges[r + 1]);
      const classes =
        comparator && compare
          ? groupBucket({ job, comparator, compare, dirs, out }, bucket)
          : uncomparedAll(out, bucket, job.blocked?.errno);
      settleBucket(job.verdicts, bucket, classes, method);
    }
  } finally {
    dirs.close();
  }
  return out.comparisons;
}

/** The fds of a bucket in a run without a comparator: no classes. */
function uncomparedAll(out: Marks, bucket: Int32Array, errno: ErrnoName | undefined): number[][] {
  for (const row of bucket) uncompared(out, row, errno);
  return [];
}

/** An fd of a run without a comparator: refused with the errno kcmp answered on our own process, or not
 * compared at all when it answered none (a seccomp kill policy: no call is made, so no errno exists). */
function uncompared(out: Marks, i: number, errno: ErrnoName | undefined): void {
  if (errno) out.refused(i, errno);
  else out.set(i, FATE.uncalled);
}

/** The call whose failure leaves an fd uncompared, per method: borrowing it, or kcmp. */
const FAILING_CALL: Readonly<Record<FdMethod, ComparingCall>> = {
  kcmp: 'kcmp',
  'borrowed-dupfd-query': 'pidfd_getfd',
  none: 'kcmp',
};

/** The fates of a job's rows as they are decided (items are rows), and its comparisons. */
class Marks {
  comparisons = 0;

  constructor(
    readonly verdicts: Verdicts,
    private readonly call: ComparingCall,
  ) {}

  live(i: number): boolean {
    return live(this.verdicts, i);
  }

  /** A comparison failed, blamed on item i: gone (closed, exited), or refused. */
  failed(i: number, errno: ErrnoName): void {
    if (isGone(errno)) fail(this.verdicts, i, FATE.failed, this.call, errnoNumber(errno));
    else this.refused(i, errno);
  }

  refused(i: number, errno: ErrnoName): void {
    fail(this.verdicts, i, FATE.uncompared, this.call, errnoNumber(errno));
  }

  set(i: number, fate: typeof FATE.unsettled | typeof FATE.uncalled): void {
    fail(this.verdicts, i, fate);
  }
}

interface Context {
  job: GroupJob;
  comparator: FdComparator;
  compare: (a: number, b: number) => Comparison<ErrnoName>;
  /** The /proc/TID/fd directories the re-stats and names are read through. */
  dirs: FdDirs;
  out: Marks;
}

/** Compares two items (rows) of the job, counting the calls. */
function comparisonOf(job: GroupJob, comparator: FdComparator, out: Marks) {
  const { tid } = job;
  const { fd, table } = job.rows;
  return (a: number, b: number): Comparison<ErrnoName> => {
    out.comparisons++;
    const ta = tid[table[a] as number] as number;
    const tb = tid[table[b] as number] as number;
    return comparator.compare(ta, fd[a] as number, tb, fd[b] as number);
  };
}

/** Every item of a job's bucket shares the bucket's key: the engine sees one bucket. */
const ONE_BUCKET = () => 0;

/** pid_max ≤ 2^22 and fd numbers < 2^21 (NR_OPEN's ceiling is 2^20): one exact number per (tid, fd). */
const tidFd = (tid: number, fd: number) => tid * 2 ** 21 + fd;

/** Per item of the bucket, the item holding the same fd number in the table it was inherited from. */
function parentHint(job: GroupJob, bucket: Int32Array): ((item: number) => number | undefined) | undefined {
  const parent = job.inheritedTid;
  if (!parent) return undefined;
  const { fd, table } = job.rows;
  const at = new Map<number, number>();
  for (const row of bucket) at.set(tidFd(job.tid[table[row] as number] as number, fd[row] as number), row);
  return (item) => {
    const p = parent[table[item] as number] as number;
    return p === 0 ? undefined : at.get(tidFd(p, fd[item] as number));
  };
}

/** Groups one bucket (see the header); its classes, of rows (some may have been given a fate since). */
function groupBucket({ job, comparator, compare, dirs, out }: Context, bucket: Int32Array): number[][] {
  let items = Array.from(bucket);
  const hint = comparator.ordered ? parentHint(job, bucket) : undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    comparator.reset?.();
    const grouping = groupItems(items, ONE_BUCKET, {
      ordered: comparator.ordered,
      compare,
      ...(hint && { hint }),
    });
    for (const { item, error } of grouping.unresolved) out.failed(item, error);
    const check = verified(grouping, compare, out);
    if (check === true) {
      comparator.reset?.();
      const lone = loneMembers(grouping.classes, out);
      if (job.confirmByName) for (const i of lone) out.verdicts.unconfirmed[i] = 1;
      else restat(job, dirs, lone, out);
      return grouping.classes;
    }
    // One of the suspects changed under the check: set them apart (each a description of its own,
    // unsettled) so that the fds that held still can settle without them.
    for (const i of check.suspects) if (out.live(i)) out.set(i, FATE.unsettled);
    items = items.filter((i) => out.live(i));
  }
  comparator.reset?.();
  for (const i of items) out.set(i, FATE.unsettled); // the bucket kept changing under us
  return [];
}

/** A check that failed, and the fds whose answers disagreed: if one fd changed, it is one of these. */
interface Failed {
  suspects: number[];
}

/** Step 2 (see the header): both stars of every class, then the order of the classes' anchors. */
function verified(grouping: Grouping<number, ErrnoName>, compare: Compare, out: Marks): true | Failed {
  const anchors = new Map<number, Anchors>();
  for (const members of grouping.classes) {
    const proven = provenTwice(members, grouping.evictions > 0, compare, out);
    if ('suspects' in proven) return proven;
    anchors.set(members[0] as number, proven);
  }
  const order = grouping.buckets[0];
  if (!order?.ordered) return true;
  for (;;) {
    const lists = anchorLists(order.representatives, anchors, out);
    const answer = increasing(lists, { compare, answered: order.answeredLess }, out);
    if (answer !== GONE) return answer;
  }
}

type Compare = (a: number, b: number) => Comparison<ErrnoName>;

/** A class's two stars, each as its members proven equal to its anchor (the anchor first). */
interface Anchors {
  first: number[];
  second: number[];
}

/**
 * The two stars of one class: the grouping's own around its representative (rebuilt when a representative
 * was handed over during the grouping), and a second around its second member. The representative is in
 * the second star only when the first was rebuilt (the header), and then it meets the second anchor last —
 * so that a gone second anchor hands over to another member, not to the first star's anchor. When a member
 * answers anything but equal, the suspects are the two anchors: the members were each proven equal to both,
 * so unless an anchor changed, a member did — and one churning member among several answers alone, while a
 * churning anchor makes many answer.
 */
function provenTwice(members: number[], evicted: boolean, compare: Compare, out: Marks): Anchors | Failed {
  let first = members;
  if (evicted && members.length > 1) {
    const star = proveStar(members[0] as number, members.slice(1), compare);
    if (!settle(star, out)) return { suspects: [members[0] as number, ...lone(star.unequal)] };
    first = star.equal;
  }
  if (first.length < 2) return { first, second: first };
  const others = first.slice(2);
  if (evicted) others.push(first[0] as number);
  const star = proveStar(first[1] as number, others, compare);
  if (!settle(star, out))
    return { suspects: [first[0] as number, first[1] as number, ...lone(star.unequal)] };
  return { first, second: star.equal };
}

/** The one member that answered unequal, when only one did (it, or an anchor, changed); none otherwise. */
function lone(unequal: readonly number[]): number[] {
  return unequal.length === 1 ? [unequal[0] as number] : [];
}

/** Marks a star's failed items; true when no member answered anything but equal. */
function settle(star: Star<number, ErrnoName>, out: Marks): boolean {
  for (const { item, error } of star.failed) out.failed(item, error);
  return star.unequal.length === 0;
}

/** Per live class, in comparator order: its anchor R (first star) and R' (second star; R for one fd). */
function anchorLists(reps: readonly number[], anchors: ReadonlyMap<number, Anchors>, out: Marks) {
  const r: number[] = [];
  const r2: number[] = [];
  for (const rep of reps) {
    const a = anchors.get(rep);
    const first = a?.first.find((i) => out.live(i));
    if (a === undefined || first === undefined) continue;
    r.push(first);
    r2.push(a.second.find((i) => i !== first && out.live(i)) ?? first);
  }
  return { r, r2 };
}

/** "A compared fd was found gone: build the lists again without it." */
const GONE = Symbol('gone');

/** The anchors strictly increasing along both lists and across every class of one fd (the header); a
 * pair out of order makes its two fds the suspects. `answered`: pairs the insertion already found in
 * order, not asked again. */
function increasing(
  { r, r2 }: { r: number[]; r2: number[] },
  { compare, answered }: { compare: Compare; answered: (a: number, b: number) => boolean },
  out: Marks,
) {
  const less = (a: number, b: number): true | Failed | typeof GONE => {
    if (answered(a, b)) return true;
    const c = compare(a, b);
    if (typeof c === 'number' && c < 0) return true;
    if (!(c instanceof CompareFailure)) return { suspects: [a, b] };
    out.failed(c.blame === 'a' ? a : b, c.error);
    return GONE;
  };
  for (let i = 0; i + 1 < r.length; i++) {
    const checks: [number, number][] = [[r[i] as number, r[i + 1] as number]];
    if (r2[i] !== r[i] || r2[i + 1] !== r[i + 1]) checks.push([r2[i] as number, r2[i + 1] as number]);
    if (i > 0 && r2[i] === r[i]) checks.push([r[i - 1] as number, r[i + 1] as number]);
    for (const [a, b] of checks) {
      const ok = less(a, b);
      if (ok !== true) return ok;
    }
  }
  return true;
}

/** The live members of the classes left with fewer than two (step 3 of the header: the fds no equal answer
 * placed). */
function loneMembers(classes: readonly number[][], out: Marks): number[] {
  const items: number[] = [];
  for (const members of classes) {
    let live = 0;
    let last = -1;
    for (let m = 0; m < members.length && live < 2; m++) {
      if (!out.live(members[m] as number)) continue;
      live++;
      last = members[m] as number;
    }
    if (live === 1) items.push(last);
  }
  return items;
}

/** Re-stats each item still live: an fd gone since, or whose number now names another file, is dropped. */
function restat(job: GroupJob, dirs: FdDirs, items: readonly number[], out: Marks): void {
  const { fd, dev, ino, table } = job.rows;
  for (const i of items) {
    if (!out.live(i)) continue;
    const dir = dirs.get(job.tid[table[i] as number] as number);
    restatRow(out.verdicts, i, dir, fd[i] as number, dev[i] as number, ino[i] as number);
  }
}
