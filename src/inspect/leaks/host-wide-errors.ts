/**
 * The error rows of a container audit that compared with every host process (no -p or --tree), told as
 * what was asked. The user named the audited containers; every other host process was scanned only as a
 * possible holder outside them, and its rows say so briefly:
 *
 *   a row about an audited process ──────────────────────────────▶ as the scan made it
 *   a row about another process that went away: it exited, is a zombie (the kernel dropped its fd table
 *   at exit), its pid names another process now, or an fd closed (ENOENT, ESRCH, EBADF; or closed and its
 *   number reused) ──────────────────────────────────────────────▶ left out: it shares nothing with a
 *                                                                   container any more
 *   a failed call for one fd of another process ─────────────────▶ one row per process, call and errno,
 *                                                                   with the count (`fds`)
 *   any other row about another process (its fd table unreadable, kcmp refused for it: already one per
 *   process and cause) ──────────────────────────────────────────▶ as it is
 *
 * Only what is reported is summed up: what the audit leaves undecided is decided on the scan's own rows.
 */

import type { ErrnoName } from '../../sys/errno.js';
import { failedFdsRow } from '../fds/fds-problems.js';
import type { ScanError } from '../fds/fds-report.js';
import type { ContainerAuditError } from './container-leaks-report.js';
import { wentAway } from './leak-finder.js';

/** `n` fds of process `pid` for which `syscall` failed with `errno`. */
interface Cause {
  pid: number;
  syscall: string;
  errno: ErrnoName;
  n: number;
}

/** `errors` as an audit over the whole host reports them; `named(pid)`: an audited process. */
export function hostWideErrors(
  errors: readonly ScanError[],
  named: (pid: number) => boolean,
  command: (pid: number) => string,
): ContainerAuditError[] {
  /** Kept rows, and in place of each summed-up cause the key of its count, at its first row's place. */
  const kept: (ScanError | string)[] = [];
  const counts = new Map<string, Cause>();
  for (const e of errors) {
    if (named(e.pid)) kept.push(e);
    else if (wentAway(e) || e.reason === 'reused') continue;
    else if (e.fd === null || e.syscall === null || e.errno === null) kept.push(e);
    else {
      const key = `${e.pid} ${e.syscall} ${e.errno}`;
      const count = counts.get(key);
      if (count) count.n++;
      else {
        counts.set(key, { pid: e.pid, syscall: e.syscall, errno: e.errno, n: 1 });
        kept.push(key);
      }
    }
  }
  return kept.map((row) => {
    if (typeof row !== 'string') return row;
    const { pid, syscall, errno, n } = counts.get(row) as Cause;
    return failedFdsRow(pid, command(pid), syscall, errno, n);
  });
}
