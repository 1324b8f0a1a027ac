/**
 * What stat(2) says of the file an fd refers to beyond its identity — read for the descriptions a report
 * lists, and only when a column shows it (`kcmp fds -o SIZE,NLINK`). A stat-derived column is one field
 * here and one column in src/report/fds-table.ts (the JSON schema follows from the type).
 *
 * The stat follows /proc/TID/fd/N at the time of the call: if the fd was closed and its number reused
 * since the scan, the link names another file. So the answer counts only if (dev, ino) are still the
 * description's; otherwise nothing is said.
 */
import { statSync } from 'node:fs';

/** stat(2) of an fd's file. */
export interface FileStat {
  /** st_size: bytes for a regular file or a memfd; 0 for most other kinds (pipes, sockets, anon inodes). */
  size: number;
  /** st_nlink: names the file has; 0 once a file held open was deleted. */
  nlink: number;
}

/** stat(2) of fd `fd` of task `tid`, if it still refers to inode (dev, ino); undefined if gone or reused. */
export function fileStatOf(tid: number, fd: number, dev: number, ino: number): FileStat | undefined {
  try {
    const st = statSync(`/proc/${tid}/fd/${fd}`, { throwIfNoEntry: false });
    if (st === undefined || st.dev !== dev || st.ino !== ino) return undefined;
    return { size: st.size, nlink: st.nlink };
  } catch {
    return undefined; // unreadable now: the scan's own rows say why when it matters
  }
}
