/**
 * How a child came to share a description with its ancestor, from facts /proc shows about both:
 *
 *   exe (dev, ino) differs ──────────────────────────────▶ exec     another program: execve(2) replaced it
 *   same exe, argv/env/stack start differ ───────────────▶ exec     the same file exec'd again
 *   same exe, same argv/env/stack start ─────────────────▶ fork     no exec between them
 *   either unreadable (0 layout: no ptrace read access) ─▶ unknown
 *
 * fork(2) copies the address space, so a child that did not exec has its parent's argv, environment and
 * stack start (stat fields 48, 50, 28); execve(2) builds them anew, at a random address under ASLR
 * (kernel.randomize_va_space ≥ 1). So "exec" is a fact when it is returned; "fork" is one too unless an
 * exec of the same file landed at the same addresses — possible only with ASLR off — or a process moved
 * them with prctl(PR_SET_MM) (CAP_SYS_RESOURCE). `comm` is not used: prctl(PR_SET_NAME) renames a forked
 * child, and an exec of the same file keeps the name. A fd crosses an exec only without close-on-exec, so
 * in the exec case the fix is O_CLOEXEC; after a fork without exec close-on-exec plays no part, and the
 * sharing is how pre-fork servers work.
 */
import type { LeakCase } from './leaks-report.js';

/** What a process runs: its executable file ("dev:ino") and its initial stack layout, null if unreadable. */
export interface ProgramFacts {
  exe: string | null;
  layout: string | null;
}

export function leakCase(ancestor: ProgramFacts, child: ProgramFacts): LeakCase {
  if (ancestor.exe === null || child.exe === null) return 'unknown';
  if (ancestor.exe !== child.exe) return 'exec';
  if (ancestor.layout === null || child.layout === null) return 'unknown';
  return ancestor.layout === child.layout ? 'fork' : 'exec';
}
