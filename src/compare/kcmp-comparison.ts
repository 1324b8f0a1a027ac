/**
 * kcmp(2) as a comparison for the group engine (src/group/engine.ts), for any kcmp type: 0 → equal,
 * 1 → less, 2 → greater (a strict total order since 3.17), 3 → different and unordered.
 *
 * A failure says WHICH operand is at fault, so the engine can drop a representative whose fd was closed
 * (or whose process exited) without failing every later item of its bucket: each side is compared with
 * itself — kcmp(p, p, type, i, i) fails exactly when that side is gone (EBADF, ESRCH) or off limits
 * (EPERM). Two extra calls, only after a failure.
 *
 * The self-checks come after the failed call, and a side can change in between. When a non-leader thread
 * of P calls execve, de_thread() kills P's leader — its fd table is released at once (exit_files), so
 * kcmp on pid P fails with EBADF — and then hands pid P to the exec'ing thread, whose table holds the same
 * fds (those without O_CLOEXEC): the pair fails, yet a moment later both sides pass alone. That is not
 * the other side's fault. So when both sides pass alone after a "gone" failure (EBADF, ESRCH), the pair
 * is asked again, and a side found failing alone is re-checked too before it is blamed, up to ATTEMPTS
 * rounds; a gone side stays gone and is blamed on the last round. If both sides pass alone and the pair
 * is refused with any other errno (a seccomp filter allowing only pid1 == pid2, as Firefox's does), the
 * item takes the blame at once: nothing changed, the pair itself is refused.
 *
 * This calls src/sys directly rather than compare/kcmp.ts: it runs ~6 times per fd of a scan, on pids and
 * fds just read from /proc, so validation and exceptions would be pure overhead.
 */

import { type ErrnoName, errnoName, isGone } from '../sys/errno.js';
import { sysKcmp } from '../sys/kcmp.js';
import { CompareFailure, type Comparison, UNORDERED } from './comparison.js';

const ORDER: readonly (number | typeof UNORDERED)[] = [0, -1, 1, UNORDERED];

/** Rounds of (pair, self-checks) before a failure is blamed. */
const ATTEMPTS = 3;

/** The raw call, as sysKcmp takes it: ≥ 0 the kernel's answer, < 0 a negated errno. */
export type KcmpCall = (pid1: number, pid2: number, type: number, idx1: number, idx2: number) => number;

/** `call`: the syscall; a test passes a wrapper around sysKcmp to change a process between the calls. */
export function kcmpComparison(
  type: number,
  pidA: number,
  idxA: number,
  pidB: number,
  idxB: number,
  call: KcmpCall = sysKcmp,
): Comparison<ErrnoName> {
  let failure: CompareFailure<ErrnoName> | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const r = call(pidA, pidB, type, idxA, idxB);
    if (r >= 0) return ORDER[r] ?? UNORDERED;
    const selfA = call(pidA, pidA, type, idxA, idxA);
    const selfB = selfA < 0 ? 0 : call(pidB, pidB, type, idxB, idxB);
    const side = selfA < 0 ? selfA : selfB;
    const errno = errnoName(-(side < 0 ? side : r));
    failure = new CompareFailure(errno, selfA < 0 || selfB >= 0 ? 'a' : 'b');
    if (!isGone(errno)) return failure; // off limits or refused: asking again will not change it
  }
  return failure as CompareFailure<ErrnoName>;
}
