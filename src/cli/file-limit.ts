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
 * Node has already raised the soft limit to the hard one, which any process may do (PlatformInit in
 * node.cc, at every start), so the soft limit read here is all there is; if it is too low, one line names
 * both and the remedy, exit 2. It is read from /proc/self/limits, not with getrlimit(2): loading the native
 * binding for it cost ~8 ms that `--version`, `--help` or completion paid for nothing.
 */
import { openFileLimit } from '../procfs/limits.js';
import { EXIT } from './exit-codes.js';

export const FILE_LIMIT_NEEDED = 64;

/** Whether the open-file limit suffices; false (with the message said and exit code set) if not. */
export function fileLimitSuffices(): boolean {
  const limit = openFileLimit();
  if (limit.soft >= FILE_LIMIT_NEEDED) return true;
  process.stderr.write(
    `kcmp: the open-file limit (RLIMIT_NOFILE) is ${limit.soft}, hard limit ${limit.hard}: kcmp needs at ` +
      `least ${FILE_LIMIT_NEEDED} open files; raise the limit (ulimit -n ${FILE_LIMIT_NEEDED}, or ` +
      `prlimit --nofile=${FILE_LIMIT_NEEDED} for a running shell)\n`,
  );
  process.exitCode = EXIT.TROUBLE;
  return false;
}
