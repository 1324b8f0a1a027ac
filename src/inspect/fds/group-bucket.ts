/**
 * Grouping the fds of same-inode buckets by binary insertion, bucket by bucket — the part of the kcmp (and
 * borrow) engine that calls kcmp. It runs on the main thread or in a worker (fds-worker.ts): plain arrays
 * in, plain arrays out.
 *
 * For each bucket:
 *   1. group: binary insertion by the comparator's order (src/group/engine.ts), an fd first compared with the
 *      class of the same fd number in the table it was likely inherited from (its parent's, else its
 *      previous sibling's): one call proves an inherited fd, instead of log2(classes);
 *   2. verify: compare every member of a class with the class's representative once more, and each
 *      representative with the next in order. kcmp compares whatever file each fd number names AT THAT
 *      MOMENT, holding no reference: if a representative's fd was closed and its number reused while the
 *      bucket was being grouped, members that joined before and after hold different files (a false "same"),
 *      and the binary search may have sent later items the wrong way (a false "different"). Either breaks
 *      this check; the bucket is then grouped again (twice at most; after that its fds are 'unsettled',
 *      never merged on a guess). About one extra call per fd;
 *   3. re-stat every fd that was compared: a changed (dev, ino) means its number was reused; it is dropped.
 *
 * Per item: its class within the bucket, or its fate (outcomes.ts) — failed (closed, exited: dropped as an
 * error), uncompared (privilege, not supported: listed alone, `certain: false`), unsettled or reused.
 */
import { CompareFailure, type Comparison } from '../../compare/comparison.js';
import { type FdComparator, type FdMethod, fdComparator } from '../../compare/fd-comparator.js';
import type { ProbeResult } from '../../compare/probe.js';
import { groupItems } from '../../group/engine.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import { type ErrnoName, isGone } from '../../sys/errno.js';
import type { ComparingCall, Fate } from './outcomes.js';

export interface GroupJob {
  method: FdMethod;
  tid: Int32Array;
  /** Per item, the tid of the fd table it was most likely inherited from (its parent's), or 0. */
  inheritedTid?: Int32Array;
  fd: Int32Array;
  dev: Float64Array;
  ino: Float64Array;
  /** The exclusive end of each bucket's items, in order. */
  ends: Int32Array;
  /** When kcmp cannot be used here: what probing it found (its errno, if it answered one). */
  blocked?: ProbeResult;
}

/** Per item of a job: its class within its bucket (0, 1, …) or -1, and the fate of each item without one. */
export interface BucketOutcome {
  klass: Int32Array;
  fates: [item: number, fate: Fate][];
  comparisons: number;
}

/** Groupings of one bucket before its fds are given up as uncertain. */
export const ATTEMPTS = 3;

/** `comparator`: one the caller built (borrowed-dupfd-query); by default the one `job.method` names. */
export function groupBuckets(job: GroupJob, comparator = fdComparator(job.method)): BucketOutcome {
  const out = new Marks(job.fd.length, FAILING_CALL[job.method]);
  const dirs = new FdDirs();
  // One comparison function for the whole job: a closure per bucket made V8 deoptimize and recompile the
  // engine's hot loop over and over (measured in the 50,000-fd benchmark).
  const compare = comparator && comparisonOf(job, comparator, out);
  try {
    let start = 0;
    for (const end of job.ends) {
      if (comparator && compare) groupBucket({ job, comparator, compare, dirs, out }, start, end);
      else for (let i = start; i < end; i++) uncompared(out, i, job.blocked?.errno);
      start = end;
    }
  } finally {
    dirs.close();
  }
  return { klass: out.klass, fates: [...out.fates], comparisons: out.comparisons };
}

/** An fd of a run without a comparator: refused with the errno kcmp answered on our own process, or not
 * compared at all when it answered none (a seccomp kill policy: no call is made, so no errno exists). */
function uncompared(out: Marks, i: number, errno: ErrnoName | undefined): void {
  if (errno) out.refused(i, errno);
  else out.set(i, { kind: 'uncalled' });
}

/** The call whose failure leaves an fd uncompared, per method: borrowing it, or kcmp. */
const FAILING_CALL: Readonly<Record<FdMethod, ComparingCall>> = {
  kcmp: 'kcmp',
  'borrowed-dupfd-query': 'pidfd_getfd',
  none: 'kcmp',
};

/** The outcome of a job as it is being decided: classes, and the fate of each item that has none. */
class Marks {
  readonly klass: Int32Array;
  readonly fates = new Map<number, Fate>();
  comparisons = 0;

  constructor(
    n: number,
    private readonly call: ComparingCall,
  ) {
    this.klass = new Int32Array(n).fill(-1);
  }

  live(i: number): boolean {
    return !this.fates.has(i);
  }

  /** A comparison failed, blamed on item i: gone (closed, exited), or refused. */
  failed(i: number, errno: ErrnoName): void {
    if (isGone(errno)) this.fates.set(i, { kind: 'failed', syscall: this.call, errno });
    else this.refused(i, errno);
  }

  refused(i: number, errno: ErrnoName): void {
    this.fates.set(i, { kind: 'uncompared', syscall: this.call, errno });
  }

  set(i: number, fate: Fate): void {
    this.klass[i] = -1;
    this.fates.set(i, fate);
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

/** Compares two items (slots) of the job, counting the calls. */
function comparisonOf(job: GroupJob, comparator: FdComparator, out: Marks) {
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
    for (const { item, error } of grouping.unresolved) out.failed(item, error);
    const order = grouping.buckets[0];
    if (consistent(grouping.classes, order?.ordered ? order.representatives : undefined, compare, out)) {
      comparator.reset?.();
      grouping.classes.forEach((members, k) => {
        for (const i of members) if (out.live(i)) out.klass[i] = k;
      });
      restat(job, dirs, grouping.classes.flat(), out);
      return;
    }
    items = items.filter((i) => out.live(i));
  }
  comparator.reset?.();
  for (const i of items) out.set(i, { kind: 'unsettled' }); // the bucket kept changing under us
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
  out: Marks,
): boolean {
  const liveRep = new Map<number, number>();
  for (const members of classes) {
    let rep = members[0] as number;
    for (let m = 1; m < members.length; m++) {
      const member = members[m] as number;
      const c = compare(member, rep);
      if (c === 0) continue;
      if (!(c instanceof CompareFailure)) return false;
      if (c.blame === 'a') out.failed(member, c.error);
      else {
        out.failed(rep, c.error);
        rep = member;
      }
    }
    liveRep.set(members[0] as number, rep);
  }
  let prev: number | undefined;
  for (const r of reps ?? []) {
    const cur = liveRep.get(r) ?? r;
    if (!out.live(cur)) continue;
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
      out.failed(prev, c.error);
      prev = cur;
    } else {
      out.failed(cur, c.error);
    }
  }
  return true;
}

/** Re-stats each item still live: an fd gone since, or whose number now names another file, is dropped. */
function restat(job: GroupJob, dirs: FdDirs, items: readonly number[], out: Marks): void {
  for (const i of items) {
    if (!out.live(i)) continue;
    const dir = dirs.get(job.tid[i] as number);
    const found = dir.restat(job.fd[i] as number, job.dev[i] as number, job.ino[i] as number);
    if (found === 'reused') out.set(i, { kind: 'reused' });
    else if (found !== undefined) out.set(i, { kind: 'failed', syscall: 'stat', errno: found });
  }
}
