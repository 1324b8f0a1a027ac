/**
 * Socket buckets, split by access before the "one description per socket" rule is applied (kinds.ts):
 * the fds of a socket inode opened for I/O share the socket's one description; its O_PATH fds (opened
 * through /proc/PID/fd/N) share none of theirs, and only kcmp can tell them from each other.
 *
 *   socket bucket (dev, ino) ─ statx of each fd's link (not followed) ─┬─ r/w bits: 'socket' — one description, no kcmp
 *                                                                      └─ none (O_PATH): one fd → 'path-alone'
 *                                                                                        more → 'compare'
 *
 * Only buckets of more than one fd are planned 'socket' (fds-buckets.ts), so an fd alone with its socket
 * costs nothing more; each fd of a shared socket costs two statx: its link's mode, then a re-stat of the
 * file — the mode must belong to the file the scan stat'ed, not to one that took its fd number since
 * (closed and reused: the fd is dropped as an error row, never placed on a guess).
 */
import { accessOf } from '../../procfs/fd-access.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import type { FdColumns } from '../../procfs/fds.js';
import { type Buckets, COMPARE, PATH_ALONE, SOCKET } from './fds-buckets.js';

/**
 * `buckets` with each 'socket' bucket split by access. An fd that could not be checked is marked failed
 * in `cols` (`errno`: its errno, or 'changed' when its number now names another file).
 */
export function splitSocketBuckets(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
): Buckets {
  if (!buckets.plan.includes(SOCKET)) return buckets;
  const slots: number[] = [];
  const ends: number[] = [];
  const plan: number[] = [];
  const push = (part: ArrayLike<number>, p: number) => {
    if (part.length === 0) return;
    for (let i = 0; i < part.length; i++) slots.push(part[i] as number);
    ends.push(slots.length);
    plan.push(p);
  };
  const dirs = new FdDirs();
  try {
    let start = 0;
    for (let b = 0; b < buckets.ends.length; b++) {
      const end = buckets.ends[b] as number;
      const members = buckets.slots.subarray(start, end);
      start = end;
      if (buckets.plan[b] !== SOCKET) {
        push(members, buckets.plan[b] as number);
        continue;
      }
      const io: number[] = [];
      const path: number[] = [];
      for (const slot of members) {
        const dir = dirs.get(tidOf(slot));
        const fd = cols.fd[slot] as number;
        const mode = dir.linkMode(fd);
        const errno =
          typeof mode === 'string'
            ? mode
            : dir.restat(fd, cols.dev[slot] as number, cols.ino[slot] as number);
        if (errno !== undefined) {
          cols.failed[slot] = 1;
          cols.errno[slot] = errno;
        } else (accessOf(mode as number) === 'io' ? io : path).push(slot);
      }
      push(io, SOCKET);
      push(path, path.length === 1 ? PATH_ALONE : COMPARE);
    }
  } finally {
    dirs.close();
  }
  return { slots: Int32Array.from(slots), ends: Int32Array.from(ends), plan: Uint8Array.from(plan) };
}
