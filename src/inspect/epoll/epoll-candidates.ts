/**
 * The fds that may hold an epoll target, and the open file descriptions they form.
 *
 * Every fd of the searched tasks is keyed by the inode number its fdinfo `ino:` line gives
 * (`file_inode(file)->i_ino`, exactly what an epoll fdinfo `tfd:` line shows for the target), so an fd
 * holding a target is always in the target's bucket; an fd whose fdinfo lacks the line (older kernels)
 * goes under `undefined` and is searched for every target. A bucket is then grouped into descriptions by
 * the engine in KCMP_FILE order (a strict total order since 3.17): ~log2(descriptions) calls per fd.
 */

import { kcmpComparison } from '../../compare/kcmp-comparison.js';
import { groupItems } from '../../group/engine.js';
import { fsErrno } from '../../procfs/errors.js';
import { readFdInfo } from '../../procfs/fdinfo.js';
import { listFds } from '../../procfs/fds.js';
import { isGone, isPrivilege } from '../../sys/errno.js';
import { KCMP } from '../../sys/kcmp.js';
import { failedCallRow } from '../fds/fds-problems.js';
import type { ScanError } from '../fds/fds-report.js';

export interface Candidate {
  pid: number;
  fd: number;
}

/**
 * Every open fd of `tids`, bucketed by inode number. A task whose fds cannot be read is one error (an
 * EACCES on its first fdinfo means them all: access is per task); fds closed meanwhile hold nothing.
 */
export function collectCandidates(
  tids: readonly number[],
  errors: ScanError[],
): Map<string | undefined, Candidate[]> {
  const buckets = new Map<string | undefined, Candidate[]>();
  for (const pid of tids) {
    let fds: Int32Array;
    try {
      fds = listFds(pid);
    } catch (error) {
      const errno = fsErrno(error);
      if (!isGone(errno)) errors.push(failedCallRow(pid, null, 'readdir', errno));
      continue;
    }
    for (const fd of fds) {
      let ino: string | undefined;
      try {
        ino = readFdInfo(pid, fd).ino;
      } catch (error) {
        const errno = fsErrno(error);
        if (isGone(errno)) continue;
        errors.push(failedCallRow(pid, isPrivilege(errno) ? null : fd, 'fdinfo', errno));
        if (isPrivilege(errno)) break;
        continue;
      }
      const bucket = buckets.get(ino) ?? [];
      bucket.push({ pid, fd });
      buckets.set(ino, bucket);
    }
  }
  return buckets;
}

/** The open file descriptions among the fds of one bucket. Fds closed meanwhile are dropped quietly. */
export function describeBucket(
  bucket: readonly Candidate[],
  errors: ScanError[],
): { descriptions: Candidate[][]; comparisons: number } {
  const grouping = groupItems(bucket, () => 0, {
    ordered: true,
    compare: (a, b) => kcmpComparison(KCMP.FILE, a.pid, a.fd, b.pid, b.fd),
  });
  for (const { item, error } of grouping.unresolved) {
    if (!isGone(error)) errors.push(failedCallRow(item.pid, item.fd, 'kcmp', error));
  }
  return { descriptions: grouping.classes, comparisons: grouping.comparisons };
}
