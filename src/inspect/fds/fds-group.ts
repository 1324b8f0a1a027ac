/**
 * Grouping the fds of same-inode buckets into open file descriptions, bucket by bucket — the part of an
 * fd scan that calls kcmp. It runs on the main thread or in a worker (fds-worker.ts): plain arrays in,
 * plain arrays out.
 *
 * For each bucket:
 *   1. group: binary insertion by the comparator's order (src/group/engine.ts),  an fd first compared with the
 *      class of the same fd number in the table it was likely inherited from (its parent's, else its
 *      previous sibling's): one call proves an inherited fd, instead of log2(classes);
 *   2. verify: compare every member of a class with the class's representative once more, and each
 *      representative with the next in order. kcmp compares whatever file each fd number names AT THAT
 *      MOMENT, holding no reference: if a representative's fd was closed and its number reused while the
 *      bucket was being grouped, members that joined before and after hold different files (a false "same"),
 *      and the binary search may have sent later items the wrong way (a false "different"). Either breaks
 *      this check; the bucket is then grouped again (twice at most; after that its fds are listed as
 *      uncertain, never merged on a guess). About one extra call per fd;
 *   3. re-stat every fd that was compared: a changed (dev, ino) means its number was reused; it is dropped;
 *   4. read the link target of each description's first fd: its name (fds-names.ts).
 *
 * Outcome per item: its class within the bucket, or why it has none — gone (closed, exited: dropped as an
 * error) or not comparable (privilege, not supported: listed alone, `certain: false`).
 */

import { CompareFailure, type Comparison } from '../../compare/comparison.js';
import { type FdComparator, type FdMethod, fdComparator } from '../../compare/fd-comparator.js';
import { groupItems } from '../../group/engine.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import { type ErrnoName, isGone } from '../../sys/errno.js';

export interface GroupJob {
  method: FdMethod;
  /** Read the link target of every description found, or only of those held more than once. */
  nameAll: boolean;
  tid: Int32Array;
  /** Per item, the tid of the fd table it was most likely inherited from (its parent's), or 0. */
  inheritedTid?: Int32Array;
  fd: Int32Array;
  dev: Float64Array;
  ino: Float64Array;
  /** The exclusive end of each bucket's items, in order. */
  ends: Int32Array;
  /** Method 'none': the errno that stands for the blocked kcmp in the error rows (EPERM, ENOSYS). */
  blocked?: string;
}

/** Why an item has no class. */
export const NOT_GONE = 0;
export const GONE_KCMP = 1; // kcmp: fd closed / task exited
export const GONE_STAT = 2; // re-stat failed, or the fd now names another inode
export const UNCOMPARED = 3; // kcmp refused (privilege, not supported), or F_DUPFD_QUERY could not borrow
export const UNSETTLED = 4; // the bucket never held still: no grouping survived its check

/** Per item (per slot, once gathered): the outcome of grouping. */
export interface Grouped {
  /** Its class number within its bucket (0, 1, …), or -1 (see `why`). */
  klass: Int32Array;
  why: Uint8Array;
  /** The errno behind `why`, or ''. */
  errno: string[];
  /** The link target, read for the first fd of each description to be named (else ''). */
  name: string[];
}

export interface GroupOutcome extends Grouped {
  comparisons: number;
}

export function emptyGrouped(n: number): Grouped {
  return {
    klass: new Int32Array(n).fill(-1),
    why: new Uint8Array(n),
    errno: new Array<string>(n).fill(''),
    name: new Array<string>(n).fill(''),
  };
}

/** Groupings of one bucket before its fds are given up as uncertain. */
export const ATTEMPTS = 3;

/** `comparator`: one the caller built (borrowed-dupfd-query); by default the one `job.method` names. */
export function groupBuckets(job: GroupJob, comparator = fdComparator(job.method)): GroupOutcome {
  const out: GroupOutcome = { ...emptyGrouped(job.fd.length), comparisons: 0 };
  const dirs = new FdDirs();
  // One comparison function for the whole job: a closure per bucket made V8 deoptimize and recompile the
  // engine's hot loop over and over (measured in the 50,000-fd benchmark).
  const compare = comparator && comparisonOf(job, comparator, out);
  try {
    let start = 0;
    for (const end of job.ends) {
      if (comparator && compare) groupBucket({ job, comparator, compare, dirs, out }, start, end);
      else for (let i = start; i < end; i++) mark(out, i, UNCOMPARED, job.blocked ?? '');
      start = end;
    }
  } finally {
    dirs.close();
  }
  return out;
}

interface Context {
  job: GroupJob;
  comparator: FdComparator;
  compare: (a: number, b: number) => Comparison<ErrnoName>;
  /** The /proc/TID/fd directories the re-stats and names are read through. */
  dirs: FdDirs;
  out: GroupOutcome;
}

/** Compares two items (slots) of the job, counting the calls. */
function comparisonOf(job: GroupJob, comparator: FdComparator, out: GroupOutcome) {
  const { tid, fd } = job;
  return (a: number, b: number): Comparison<ErrnoName> => {
    out.comparisons++;
    return comparator.compare(tid[a] as number, fd[a] as number, tid[b] as number, fd[b] as number);
  };
}

/** Every item of a job's bucket shares the bucket's key: the engine sees one bucket. */
const ONE_BUCKET = () => 0;

/** pid_max ≤ 2^22 and fd numbers < 2^21 (NR_OPEN's ceiling is 2^20): one exact number per (tid, fd). */
const tidFd = (tid: number, fd: number) => tid * 2 ** 21 + fd;

/** Per item of the bucket, the item holding the same fd number in the table it was inherited from. */
function parentHint(
  job: GroupJob,
  start: number,
  end: number,
): ((item: number) => number | undefined) | undefined {
  const parent = job.inheritedTid;
  if (!parent) return undefined;
  const at = new Map<number, number>();
  for (let i = start; i < end; i++) at.set(tidFd(job.tid[i] as number, job.fd[i] as number), i);
  return (item) => {
    const p = parent[item] as number;
    return p === 0 ? undefined : at.get(tidFd(p, job.fd[item] as number));
  };
}

function groupBucket({ job, comparator, compare, dirs, out }: Context, start: number, end: number) {
  let items: number[] = [];
  for (let i = start; i < end; i++) items.push(i);
  const hint = comparator.ordered ? parentHint(job, start, end) : undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    comparator.reset?.();
    const grouping = groupItems(items, ONE_BUCKET, {
      ordered: comparator.ordered,
      compare,
      ...(hint && { hint }),
    });
    for (const { item, error } of grouping.unresolved) mark(out, item, failed(error), error);
    const order = grouping.buckets[0];
    if (consistent(grouping.classes, order?.ordered ? order.representatives : undefined, compare, out)) {
      comparator.reset?.();
      grouping.classes.forEach((members, k) => {
        for (const i of members) if (out.why[i] === NOT_GONE) out.klass[i] = k;
      });
      restat(job, dirs, grouping.classes.flat(), out);
      for (const members of grouping.classes) name(job, dirs, members, out);
      return;
    }
    items = items.filter((i) => out.why[i] === NOT_GONE);
  }
  comparator.reset?.();
  for (const i of items) mark(out, i, UNSETTLED, ''); // the bucket kept changing under us
}

/**
 * The verification pass. Every member must still equal its class's representative, and the
 * representatives (of an ordered bucket) must still be strictly increasing. An fd found gone meanwhile
 * (closed, exited) is marked gone and skipped — what remains is still checked — so a scan under churn
 * is not redone for every fd that closes; an fd that could not be compared this time (--borrow at its
 * fd limit: EMFILE) is marked uncompared with that errno and skipped alike — its grouping is not
 * trusted, and regrouping would meet the same limit. Any other disagreement returns false.
 */
function consistent(
  classes: readonly number[][],
  reps: readonly number[] | undefined,
  compare: (a: number, b: number) => Comparison<ErrnoName>,
  out: GroupOutcome,
): boolean {
  const liveRep = new Map<number, number>();
  for (const members of classes) {
    let rep = members[0] as number;
    for (let m = 1; m < members.length; m++) {
      const member = members[m] as number;
      const c = compare(member, rep);
      if (c === 0) continue;
      if (!(c instanceof CompareFailure)) return false;
      if (c.blame === 'a') mark(out, member, failed(c.error), c.error);
      else {
        mark(out, rep, failed(c.error), c.error);
        rep = member;
      }
    }
    liveRep.set(members[0] as number, rep);
  }
  let prev: number | undefined;
  for (const r of reps ?? []) {
    const cur = liveRep.get(r) ?? r;
    if (out.why[cur] !== NOT_GONE) continue;
    if (prev === undefined) {
      prev = cur;
      continue;
    }
    const c = compare(prev, cur);
    if (typeof c === 'number') {
      if (c >= 0) return false;
      prev = cur;
    } else if (!(c instanceof CompareFailure)) {
      return false;
    } else if (c.blame === 'a') {
      mark(out, prev, failed(c.error), c.error);
      prev = cur;
    } else {
      mark(out, cur, failed(c.error), c.error);
    }
  }
  return true;
}

/** Why a failed comparison leaves its fd without a class: gone, or not comparable. */
function failed(errno: ErrnoName): number {
  return isGone(errno) ? GONE_KCMP : UNCOMPARED;
}

function restat(job: GroupJob, dirs: FdDirs, items: readonly number[], out: GroupOutcome): void {
  for (const i of items) {
    if (out.why[i] !== NOT_GONE) continue;
    const dir = dirs.get(job.tid[i] as number);
    const errno = dir.restat(job.fd[i] as number, job.dev[i] as number, job.ino[i] as number);
    if (errno !== undefined) {
      out.klass[i] = -1;
      mark(out, i, GONE_STAT, errno);
    }
  }
}

/** Names a description after its first fd still in it, if it is to be named. */
function name(job: GroupJob, dirs: FdDirs, members: readonly number[], out: GroupOutcome): void {
  const live = members.filter((i) => (out.klass[i] as number) >= 0);
  if (live.length === 0 || (live.length === 1 && !job.nameAll)) return;
  const i = live[0] as number;
  out.name[i] = dirs.get(job.tid[i] as number).readlink(job.fd[i] as number);
}

function mark(out: GroupOutcome, i: number, why: number, errno: string): void {
  out.why[i] = why;
  out.errno[i] = errno;
}
