/**
 * The three-way answer of one comparison, as the group engine (src/group/engine.ts) consumes it: less,
 * equal, greater, different-and-unordered, or a failure that says which operand is at fault. Defined here,
 * beside the comparisons that produce it (kcmp-comparison.ts, fd-comparator.ts), so the generic engine
 * above depends on this layer and not the other way round.
 */

/** Three-way result: <0 less, 0 equal, >0 greater; UNORDERED for "different, order unknown". */
export const UNORDERED = Symbol('unordered');

export class CompareFailure<E> {
  /** `blame`: which operand of compare(a, b) made it fail; the engine passes (item, representative). */
  constructor(
    readonly error: E,
    readonly blame: 'a' | 'b' = 'a',
  ) {}
}

export type Comparison<E> = number | typeof UNORDERED | CompareFailure<E>;
