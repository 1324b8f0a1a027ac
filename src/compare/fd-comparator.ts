/**
 * How two fds of a same-inode bucket are told apart: the comparator the fd scan hands the group engine.
 *
 * - 'kcmp': kcmp(KCMP_FILE) — ordered, exact, ~log2(c) calls per fd.
 * - 'borrowed-dupfd-query': pidfd_getfd both fds into our process, then F_DUPFD_QUERY — exact but
 *   equality-only (`ordered: false`: the engine scans linearly), for when kcmp is blocked and --borrow is
 *   given. It holds fds of OUR process, so it is built by the scan on the main thread from its
 *   BorrowSession (fd-borrow-comparator.ts), never by name in a worker.
 * - 'none': nothing can compare; the scan does not group at all — every fd of a bucket that needs a
 *   comparison becomes its own description, `certain: false` (see src/inspect/fds/grouping.ts).
 *
 * A comparator is named, not passed as a function, so a worker thread can build the same one.
 */

import type { ErrnoName } from '../sys/errno.js';
import { KCMP } from '../sys/kcmp.js';
import type { Comparison } from './comparison.js';
import { kcmpComparison } from './kcmp-comparison.js';
import type { Method } from './types.js';

/**
 * The comparison method of a run (run-method.ts decides it once): what compares two fds of one inode —
 * kcmp, borrowed-dupfd-query, or none. Users see it through the engine that ran (`stats.engine`: kcmp or
 * bpf compare with kcmp, borrow with borrowed-dupfd-query, none with nothing), and each description's
 * `method` (FdsMethod) says what decided that description.
 */
export type FdMethod = Extract<Method, 'kcmp' | 'borrowed-dupfd-query' | 'none'>;

export interface FdComparator {
  readonly method: FdMethod;
  readonly ordered: boolean;
  /** Compares fd `fdA` of task `tidA` with fd `fdB` of task `tidB`; a failure blames one side. */
  compare(tidA: number, fdA: number, tidB: number, fdB: number): Comparison<ErrnoName>;
  /** Called before each grouping of a bucket and after its last, by comparators that hold resources. */
  reset?(): void;
}

const KCMP_FILE_COMPARATOR: FdComparator = {
  method: 'kcmp',
  ordered: true,
  compare: (tidA, fdA, tidB, fdB) => kcmpComparison(KCMP.FILE, tidA, fdA, tidB, fdB),
};

/** The comparator for a method, or undefined for 'none' (nothing to call) and 'borrowed-dupfd-query'
 * (which the caller passes in: see above). */
export function fdComparator(method: FdMethod): FdComparator | undefined {
  return method === 'kcmp' ? KCMP_FILE_COMPARATOR : undefined;
}
