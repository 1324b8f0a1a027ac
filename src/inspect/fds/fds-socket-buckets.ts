/**
 * Socket buckets, split by access before the "one description per socket" rule is applied (kinds.ts):
 * the fds of a socket inode opened for I/O share the socket's one description; its O_PATH fds (opened
 * through /proc/PID/fd/N) share none of theirs, and only kcmp can tell them from each other.
 *
 *   socket bucket (dev, ino) ─ mode of each fd's link (read by the scan) ─┬─ r/w bits: 'socket' — one description, no kcmp
 *                                                                         └─ none (O_PATH): one fd → 'path-alone'
 *                                                                                           more → 'compare'
 *
 * The scan read each socket fd's link mode right after its stat (procfs/fds.ts: one more statx per socket
 * fd, on the worker threads when there are any), so nothing here touches /proc.
 */
import { accessOf } from '../../procfs/fd-access.js';
import type { FdColumns } from '../../procfs/fds.js';
import { type Buckets, COMPARE, PATH_ALONE, SOCKET } from './fds-buckets.js';

/** `buckets` with each 'socket' bucket split by the access its fds' links show. */
export function splitSocketBuckets(buckets: Buckets, cols: FdColumns): Buckets {
  if (!buckets.plan.includes(SOCKET)) return buckets;
  const slots = new Int32Array(buckets.slots.length);
  const ends: number[] = [];
  const plan: number[] = [];
  let at = 0;
  const push = (part: ArrayLike<number>, p: number) => {
    if (part.length === 0) return;
    for (let i = 0; i < part.length; i++) slots[at++] = part[i] as number;
    ends.push(at);
    plan.push(p);
  };
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
    for (const slot of members) (accessOf(cols.linkMode[slot] as number) === 'io' ? io : path).push(slot);
    push(io, SOCKET);
    push(path, path.length === 1 ? PATH_ALONE : COMPARE);
  }
  return { slots, ends: Int32Array.from(ends), plan: Uint8Array.from(plan) };
}
