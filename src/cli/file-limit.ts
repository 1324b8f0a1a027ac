/**
 * The open-file limit (RLIMIT_NOFILE) kcmp needs, checked before the program's modules are loaded.
 *
 * Node itself holds ~18 fds once started (its event loop, its platform threads, stdio) and dies below
 * that (SIGSEGV, assertion failures) before any JavaScript runs: nothing can be done about it here.
 * Above it, loading the program's modules opens files in parallel, and a scan adds worker threads (their
 * own event loops), the capability probe child, the --stop watchdog and its pipes, and one fd at a time
 * per /proc read. FILE_LIMIT_NEEDED covers all of that with a margin (every command was measured to work
 * from 48 up; see the README).
 *
 * The soft limit is raised to the hard limit, which any process may do (setrlimit(2)); if even the hard
 * limit is too low, one line names both and the remedy, exit 2. This module imports only the few it
 * needs, so that this check itself runs under a low limit.
 */
import { sysGetFileLimit, sysSetFileLimit } from '../sys/rlimit.js';
import { EXIT } from './exit-codes.js';

export const FILE_LIMIT_NEEDED = 64;

/** Raises the soft limit to the hard one; false (with the message said and exit code set) if too low. */
export function fileLimitSuffices(): boolean {
  let limit: ReturnType<typeof sysGetFileLimit>;
  try {
    limit = sysGetFileLimit();
  } catch {
    return true; // no libc here (not Linux): the command itself will say so
  }
  if (typeof limit === 'number') return true; // cannot tell: go on
  if (limit.soft < limit.hard && sysSetFileLimit({ soft: limit.hard, hard: limit.hard }) === 0) {
    limit = { soft: limit.hard, hard: limit.hard };
  }
  if (limit.soft >= FILE_LIMIT_NEEDED) return true;
  process.stderr.write(
    `kcmp: the open-file limit (RLIMIT_NOFILE) is ${limit.soft}, hard limit ${limit.hard}: kcmp needs at ` +
      `least ${FILE_LIMIT_NEEDED} open files; raise the limit (ulimit -n ${FILE_LIMIT_NEEDED}, or ` +
      `prlimit --nofile=${FILE_LIMIT_NEEDED} for a running shell)\n`,
  );
  process.exitCode = EXIT.TROUBLE;
  return false;
}
