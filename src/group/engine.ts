/**
 * The equivalence-class engine: which items are "the same thing"?
 *
 * The algorithm is CRIU's (criu/kcmp-ids.c): first bucket items by a cheap KEY that equal items must share
 * (for files: dev+ino; an item alone in its bucket costs nothing), then, inside a bucket, place each item by
 * BINARY INSERTION into the sorted list of class representatives using a three-way comparator (kcmp's
 * order). Each item costs ⌈log2(c+1)⌉ comparisons for c classes in its bucket; pairwise would cost c.
 *
 *   items ──key──▶ bucket (dev 0:25, ino 1234)        representatives, in comparator order
 *                    ├─ fd 10:3 ──compare──▶ [ r1 < r2 < r4 ]  ─ equal r2 ─▶ class of r2
 *                    └─ fd 11:7 ──compare──▶ [ r1 < r2 < r4 ]  ─ between  ─▶ new class r3, inserted
 *
 * A comparator that cannot order — kcmp answering 3 ("unordered"), or an equality-only method such as
 * F_DUPFD_QUERY (`ordered: false`) — switches that bucket to a linear scan over its representatives.
 * A comparison that FAILS never merges anything: the item goes to `unresolved` with the failure.
 *
 * Limits: the order must be a strict total order for the whole run (kcmp: Linux ≥ 3.17, one boot, every
 * compared object still alive). This module knows nothing of files or the kernel.
 */

/** Three-way result: <0 less, 0 equal, >0 greater; UNORDERED for "different, order unknown". */
export const UNORDERED = Symbol('unordered');

export class CompareFailure<E> {
  constructor(readonly error: E) {}
}

export type Comparison<E> = number | typeof UNORDERED | CompareFailure<E>;

export interface Comparator<T, E> {
  /** false for equality-only comparators: then only 0 (equal) vs non-zero/UNORDERED (different) counts. */
  readonly ordered: boolean;
  compare(a: T, b: T): Comparison<E>;
}

export interface Grouping<T, E> {
  /** Each class lists its members in input order; classes are ordered by their first member's position. */
  classes: T[][];
  /** Items that could not be placed because a comparison failed, with the failure. */
  unresolved: { item: T; error: E }[];
  comparisons: number;
  /** Buckets that needed a linear scan (equality-only or unordered comparator). */
  linearBuckets: number;
}

interface Klass<T> {
  first: number;
  members: T[];
}

export function groupItems<T, K, E>(
  items: readonly T[],
  keyOf: (item: T) => K,
  comparator: Comparator<T, E>,
): Grouping<T, E> {
  const buckets = new Map<K, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(index);
    else buckets.set(key, [index]);
  });

  const classes: Klass<T>[] = [];
  const unresolved: { item: T; error: E }[] = [];
  let comparisons = 0;
  let linearBuckets = 0;
  const compare = (a: T, b: T): Comparison<E> => {
    comparisons++;
    return comparator.compare(a, b);
  };

  for (const indexes of buckets.values()) {
    const reps: Klass<T>[] = []; // sorted by the comparator while `ordered`
    let ordered = comparator.ordered;
    for (const index of indexes) {
      const item = items[index] as T;
      const placed = ordered ? insertOrdered(item, reps, compare) : insertLinear(item, reps, compare);
      if (placed === UNORDERED) {
        ordered = false;
        linearBuckets++;
        const retry = insertLinear(item, reps, compare);
        if (retry instanceof CompareFailure) unresolved.push({ item, error: retry.error });
        else if (retry === undefined) reps.push(newClass(item, index, classes));
      } else if (placed instanceof CompareFailure) {
        unresolved.push({ item, error: placed.error });
      } else if (typeof placed === 'number') {
        reps.splice(placed, 0, newClass(item, index, classes));
      } else if (placed === undefined) {
        reps.push(newClass(item, index, classes));
      }
    }
    if (!comparator.ordered && indexes.length > 1) linearBuckets++;
  }
  classes.sort((a, b) => a.first - b.first);
  return { classes: classes.map((c) => c.members), unresolved, comparisons, linearBuckets };
}

function newClass<T>(item: T, index: number, classes: Klass<T>[]): Klass<T> {
  const klass = { first: index, members: [item] };
  classes.push(klass);
  return klass;
}

/**
 * Binary search among sorted representatives. Returns `true` when the item joined a class, the index at
 * which a new class must be inserted, UNORDERED when the comparator could not order, or a failure.
 */
function insertOrdered<T, E>(
  item: T,
  reps: Klass<T>[],
  compare: (a: T, b: T) => Comparison<E>,
): true | number | typeof UNORDERED | CompareFailure<E> {
  let lo = 0;
  let hi = reps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const rep = reps[mid] as Klass<T>;
    const c = compare(item, rep.members[0] as T);
    if (c === UNORDERED || c instanceof CompareFailure) return c;
    if (c === 0) {
      rep.members.push(item);
      return true;
    }
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Linear scan for equality. Returns `true` when joined, undefined for "new class", or a failure. */
function insertLinear<T, E>(
  item: T,
  reps: Klass<T>[],
  compare: (a: T, b: T) => Comparison<E>,
): true | undefined | CompareFailure<E> {
  for (const rep of reps) {
    const c = compare(item, rep.members[0] as T);
    if (c instanceof CompareFailure) return c;
    if (c === 0) {
      rep.members.push(item);
      return true;
    }
  }
  return undefined;
}
