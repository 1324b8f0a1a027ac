/**
 * How two fds of a same-inode bucket are told apart: the comparator the fd scan hands the group engine.
 *
 * - 'kcmp': kcmp(KCMP_FILE) — ordered, exact, ~log2(c) calls per fd (the only one implemented now).
 * - 'borrowed-dupfd-query' (planned): pidfd_getfd both fds into our process, then F_DUPFD_QUERY —
 *   exact but equality-only (`ordered: false`: the engine scans linearly), for when kcmp is blocked.
 * - 'none': nothing can compare; the scan does not group at all — every fd of a bucket that needs a
 *   comparison becomes its own description, `certain: false` (see fds-group.ts).
 *
 * A comparator is named, not passed as a function, so a worker thread can build the same one.
 */
import type { Method } from '../compare/types.js';
import type { Comparison } from '../group/engine.js';
import type { ErrnoName } from '../sys/errno.js';
import { KCMP } from '../sys/kcmp.js';
import { kcmpComparison } from './kcmp-comparison.js';

export type FdMethod = Extract<Method, 'kcmp' | 'none'>;

export interface FdComparator {
  readonly method: FdMethod;
  readonly ordered: boolean;
  /** Compares fd `fdA` of task `tidA` with fd `fdB` of task `tidB`; a failure blames one side. */
  compare(tidA: number, fdA: number, tidB: number, fdB: number): Comparison<ErrnoName>;
}

const KCMP_FILE_COMPARATOR: FdComparator = {
  method: 'kcmp',
  ordered: true,
  compare: (tidA, fdA, tidB, fdB) => kcmpComparison(KCMP.FILE, tidA, fdA, tidB, fdB),
};

/** The comparator for a method, or undefined for 'none' (nothing to call). */
export function fdComparator(method: FdMethod): FdComparator | undefined {
  return method === 'kcmp' ? KCMP_FILE_COMPARATOR : undefined;
}
