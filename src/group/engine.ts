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
 * A comparison that FAILS never merges anything. The comparator says which operand failed:
 * - the item (`blame: 'a'`, the default): the item goes to `unresolved` with the failure;
 * - the representative (`blame: 'b'`, e.g. its fd was closed since the scan): the representative leaves its
 *   class for `unresolved` and hands over to the next member of the class, which joined by an equal answer
 *   from it (the one rule for a gone anchor, star.ts) — a class left empty is dropped — and the item's
 *   search starts again. One dead representative thus costs one item's retry, not the whole bucket.
 *
 * Every member joins its class by an equal answer from the class's representative of that moment: a class
 * is a star around its representative (star.ts) until a representative is handed over (`evictions`).
 *
 * A founder — an item that starts a class of its own — is inserted between the two representatives the
 * binary search narrowed it to, and the search compared it with both (the last step that moved `lo`
 * compared the one below, the last that moved `hi` the one above). Those two answers are kept per bucket
 * (`answeredLess`): a caller that checks the order of neighbouring representatives again (the kcmp engine's
 * churn check) need not ask again what was already answered about the same two items.
 *
 * A hint (`Comparator.hint`) names an earlier item the caller expects the item to equal (an fd inherited
 * across fork: the parent's fd of the same number). The item is first compared with the representative
 * of that item's class: one comparison when the guess is right; when it is wrong, the binary search runs
 * as without a hint (one comparison lost). A hint only ever joins a class on an equal answer.
 *
 * Limits: the order must be a strict total order for the whole run (kcmp: Linux ≥ 3.17, one boot, every
 * compared object still alive). Keys must be primitives (they index a Map). This module knows nothing of
 * files or the kernel.
 */

import { CompareFailure, type Comparison, UNORDERED } from '../compare/comparison.js';
import { handOver } from './star.js';

export interface Comparator<T, E> {
  /** false for equality-only comparators: then only 0 (equal) vs non-zero/UNORDERED (different) counts. */
  readonly ordered: boolean;
  compare(a: T, b: T): Comparison<E>;
  /** An item placed before `item` that `item` probably equals, or undefined. */
  hint?(item: T): T | undefined;
}

export interface Grouping<T, E> {
  /** Each class lists its members in input order; classes are ordered by their first member's position. */
  classes: T[][];
  /** Items that could not be placed because a comparison failed, with the failure. */
  unresolved: { item: T; error: E }[];
  comparisons: number;
  /** Buckets that needed a linear scan (equality-only or unordered comparator). */
  linearBuckets: number;
  /** Representatives that failed and handed their class over: members that joined before then were
   * compared with the gone one only, so a class is no longer a star around its first member. */
  evictions: number;
  /** Each bucket's class representatives (first members), in comparator order when `ordered`: callers
   * can check that order again later (a representative that changed meanwhile breaks it) — without asking
   * again what the insertion already answered: `answeredLess(a, b)` is true when the search compared a
   * founder with a neighbour it was inserted next to and the answer put `a` before `b` (see the header). */
  buckets: { representatives: T[]; ordered: boolean; answeredLess(a: T, b: T): boolean }[];
}

interface Klass<T> {
  /** members[0] represents the class; all are in input order. `positions` are their input indexes. */
  members: T[];
  positions: number[];
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
  const states: BucketState<T, E>[] = [];
  let evictions = 0;
  const compare = (a: T, b: T): Comparison<E> => {
    comparisons++;
    return comparator.compare(a, b);
  };

  for (const indexes of buckets.values()) {
    const bucket = new BucketState<T, E>(comparator.ordered, compare, unresolved, comparator.hint);
    states.push(bucket);
    for (const index of indexes) {
      const klass = bucket.place(items[index] as T, index);
      if (klass) classes.push(klass);
    }
    if (bucket.linear && indexes.length > 1) linearBuckets++;
    evictions += bucket.evictions;
  }
  const live = classes
    .filter((c) => c.members.length > 0)
    .sort((a, b) => (a.positions[0] as number) - (b.positions[0] as number));
  return {
    classes: live.map((c) => c.members),
    unresolved,
    comparisons,
    linearBuckets,
    evictions,
    buckets: states.map((b) => ({
      representatives: b.reps.map((k) => k.members[0] as T),
      ordered: !b.linear,
      answeredLess: (x: T, y: T) => b.answeredLess(x, y),
    })),
  };
}

/** The representatives of one bucket, sorted by the comparator while it can order. */
class BucketState<T, E> {
  readonly reps: Klass<T>[] = [];
  linear: boolean;
  evictions = 0;
  /** The class of each placed item, kept only when there are hints to follow. */
  private readonly classOf: Map<T, Klass<T>> | undefined;
  /** Per founder (ordered search only), the representatives found just below and just above it. */
  private readonly below = new Map<T, T>();
  private readonly above = new Map<T, T>();

  constructor(
    ordered: boolean,
    private readonly compare: (a: T, b: T) => Comparison<E>,
    private readonly unresolved: { item: T; error: E }[],
    private readonly hint?: (item: T) => T | undefined,
  ) {
    this.linear = !ordered;
    if (hint) this.classOf = new Map();
  }

  /** Places one item; returns its new class if it founded one. */
  place(item: T, index: number): Klass<T> | undefined {
    const hinted = this.followHint(item);
    if (hinted) {
      hinted.members.push(item);
      hinted.positions.push(index);
      this.classOf?.set(item, hinted);
      return undefined;
    }
    const klass = this.search(item, index);
    if (klass) this.classOf?.set(item, klass);
    return klass && klass.members[0] === item && klass.members.length === 1 ? klass : undefined;
  }

  /** The hinted item's class, if the item equals its representative (one comparison); else undefined. */
  private followHint(item: T): Klass<T> | undefined {
    const guess = this.hint?.(item);
    const klass = guess === undefined ? undefined : this.classOf?.get(guess);
    const rep = klass?.members[0];
    if (klass === undefined || rep === undefined) return undefined;
    return this.compare(item, rep) === 0 ? klass : undefined;
  }

  /** Binary (or linear) search; returns the class the item joined or founded, or undefined if unresolved. */
  private search(item: T, index: number): Klass<T> | undefined {
    for (;;) {
      const found = this.linear ? this.findLinear(item) : this.findOrdered(item);
      if (found === UNORDERED) {
        this.linear = true;
        continue;
      }
      if (found instanceof CompareFailure) {
        this.unresolved.push({ item, error: found.error });
        return undefined;
      }
      if (found instanceof Evicted) continue; // a dead representative left; search again
      if (typeof found === 'number') {
        const klass = { members: [item], positions: [index] };
        if (!this.linear) this.noteNeighbours(item, found);
        this.reps.splice(this.linear ? this.reps.length : found, 0, klass);
        return klass;
      }
      found.members.push(item);
      found.positions.push(index);
      return found;
    }
  }

  /** Keeps the answers that placed founder `item` at `at`: greater than reps[at - 1], less than reps[at]. */
  private noteNeighbours(item: T, at: number): void {
    const below = this.reps[at - 1]?.members[0];
    const above = this.reps[at]?.members[0];
    if (below !== undefined) this.below.set(item, below);
    if (above !== undefined) this.above.set(item, above);
  }

  /** Did the search compare `a` and `b` (a founder and its neighbour then) and put `a` first? */
  answeredLess(a: T, b: T): boolean {
    return this.below.get(b) === a || this.above.get(a) === b;
  }

  /**
   * Binary search. Returns the class the item is equal to, the index at which a new class goes, UNORDERED
   * when the comparator could not order, an item failure, or Evicted.
   */
  private findOrdered(item: T): Klass<T> | number | typeof UNORDERED | CompareFailure<E> | Evicted {
    let lo = 0;
    let hi = this.reps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.against(item, mid);
      if (c === UNORDERED || c instanceof CompareFailure || c instanceof Evicted) return c;
      if (c === 0) return this.reps[mid] as Klass<T>;
      if (c < 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Linear scan for equality: the class, -1 for "new class", an item failure, or Evicted. */
  private findLinear(item: T): Klass<T> | number | CompareFailure<E> | Evicted {
    for (let i = 0; i < this.reps.length; i++) {
      const c = this.against(item, i);
      if (c instanceof CompareFailure || c instanceof Evicted) return c;
      if (c === 0) return this.reps[i] as Klass<T>;
    }
    return -1;
  }

  /** Compares with representative `i`; a failure blamed on the representative evicts it. */
  private against(item: T, i: number): number | typeof UNORDERED | CompareFailure<E> | Evicted {
    const klass = this.reps[i] as Klass<T>;
    const c = this.compare(item, klass.members[0] as T);
    if (!(c instanceof CompareFailure) || c.blame === 'a') return c;
    this.unresolved.push({ item: handOver(klass.members), error: c.error });
    klass.positions.shift();
    this.evictions++;
    if (klass.members.length === 0) this.reps.splice(i, 1);
    return EVICTED;
  }
}

/** "A representative was evicted: search again." */
class Evicted {
  readonly evicted = true;
}
const EVICTED = new Evicted();
