/**
 * Proving a class against one anchor — and the one rule for an anchor that is gone.
 *
 * A STAR is the proof that every member of a class equals one anchor: anchor ═ m1, anchor ═ m2, …, one
 * comparison each. The group engine (engine.ts) builds one as it inserts (every member joined by an equal
 * answer from the class's representative); the kcmp engine checks a class with a second one
 * (src/inspect/fds/group-bucket.ts); the bpf engine proves the pass's proposals with one
 * (src/inspect/fds/bpf-proof.ts).
 *
 * The anchor can go while its star is being built (its fd closed, its process exited): a comparison then
 * FAILS blamed on it (`CompareFailure.blame === 'b'`). The rule, the same wherever a star is built:
 *
 *   anchor A ═ m1 ═ m2 ╳ (A gone)   ─▶  A leaves (failed); m1, the first member proven equal to A, is the
 *                                       anchor from now on, and m3 is compared again, with m1
 *   anchor A ╳ (gone before any proof) ─▶ A leaves; the member being compared is the anchor from now on:
 *                                       nothing was proven through A, so nothing is lost
 *
 * Never does a member that was proven equal to nothing become an anchor while others were proven: a
 * member compared with the gone anchor only would otherwise be reported with members it never met (what
 * bpf-proof.ts once did: in [a, x, b] with a ═ x and a gone, b became the anchor and was never compared
 * with x).
 */

import { CompareFailure, type Comparison } from '../compare/comparison.js';

export interface Star<T, E> {
  /** The anchor as it ended (first) and every member proven equal to an anchor of its time, in order. */
  equal: T[];
  /** Members that answered anything but equal (another class, or a changed fd). */
  unequal: T[];
  /** Members (and anchors) whose comparison failed, with the failure: gone, or refused. */
  failed: { item: T; error: E }[];
}

/** Compares each of `members` with `anchor`, handing a gone anchor over as the header says. */
export function proveStar<T, E>(
  anchor: T,
  members: readonly T[],
  compare: (a: T, b: T) => Comparison<E>,
): Star<T, E> {
  const star: Star<T, E> = { equal: [anchor], unequal: [], failed: [] };
  for (const member of members) {
    for (;;) {
      const c = compare(member, star.equal[0] as T);
      if (c === 0) star.equal.push(member);
      else if (!(c instanceof CompareFailure)) star.unequal.push(member);
      else if (c.blame === 'a') star.failed.push({ item: member, error: c.error });
      else {
        star.failed.push({ item: handOver(star.equal), error: c.error });
        if (star.equal.length > 0) continue; // compare the member again, with the new anchor
        star.equal.push(member); // the anchor went before any proof: the member takes its place
      }
      break;
    }
  }
  return star;
}

/**
 * The rule for a gone anchor on a list whose first item is the anchor and whose others were each proven
 * equal to it: the anchor leaves (returned); the next item, proven equal to it, is the anchor now.
 */
export function handOver<T>(proven: T[]): T {
  return proven.shift() as T;
}
