/**
 * kcmp(2) as a comparison for the group engine (src/group/engine.ts), for any kcmp type: 0 → equal,
 * 1 → less, 2 → greater (a strict total order since 3.17, kcmp-spec.md §3), 3 → different and unordered.
 *
 * A failure says WHICH operand is at fault, so the engine can drop a representative whose fd was closed
 * (or whose process exited) without failing every later item of its bucket: each side is compared with
 * itself — kcmp(p, p, type, i, i) fails exactly when that side is gone (EBADF, ESRCH) or off limits
 * (EPERM). Two extra calls, only after a failure. If both sides pass alone, the pair is refused (a
 * seccomp filter allowing only pid1 == pid2, as Firefox's does, spec §5): the item takes the blame.
 *
 * This calls src/sys directly rather than compare/kcmp.ts: it runs ~6 times per fd of a scan, on pids and
 * fds just read from /proc, so validation and exceptions would be pure overhead.
 */
import { CompareFailure, type Comparison, UNORDERED } from '../group/engine.js';
import { type ErrnoName, errnoName } from '../sys/errno.js';
import { sysKcmp } from '../sys/kcmp.js';

const ORDER: readonly (number | typeof UNORDERED)[] = [0, -1, 1, UNORDERED];

export function kcmpComparison(
  type: number,
  pidA: number,
  idxA: number,
  pidB: number,
  idxB: number,
): Comparison<ErrnoName> {
  const r = sysKcmp(pidA, pidB, type, idxA, idxB);
  if (r >= 0) return ORDER[r] ?? UNORDERED;
  const selfA = sysKcmp(pidA, pidA, type, idxA, idxA);
  if (selfA < 0) return new CompareFailure(errnoName(-selfA), 'a');
  const selfB = sysKcmp(pidB, pidB, type, idxB, idxB);
  if (selfB < 0) return new CompareFailure(errnoName(-selfB), 'b');
  return new CompareFailure(errnoName(-r), 'a');
}
