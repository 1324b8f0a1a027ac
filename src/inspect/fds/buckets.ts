/**
 * Stage 3, identify: the rows of an fd scan in buckets of fds whose files have the same (dev, ino), each
 * with the plan that decides it. Nothing here touches the kernel.
 *
 * Fds of one open file description always share one (dev, ino) (a description points to one inode), so a
 * description never spans two buckets. mnt_id would refine the key but needs fdinfo (6–8 µs per fd);
 * position and flags must NOT be part of it: they change under a live process and would split one
 * description in two (CRIU can key on `pos` only because it freezes the tree first).
 *
 *   rows ─ (dev, ino) ─┬─ one fd ─────────────────────────────────────────▶ 'single'  (a description alone)
 *                      ├─ a socket inode ─ link mode of each fd ─┬─ r/w bits ─▶ 'socket'  (one description)
 *                      │                                         └─ none ─ one fd ▶ 'o-path' (alone)
 *                      │                                                   more ──▶ 'compare'
 *                      └─ anything else (or --paranoid) ───────────────────────▶ 'compare' (the group stage)
 *
 * 'socket': sockfs has one struct file per socket, made by sock_alloc_file(), and a socket cannot be
 * opened again for I/O (open of its /proc link is ENXIO), so its fds opened for I/O share one description
 * (kinds.ts). Its O_PATH fds (an O_PATH open of the /proc link succeeds: do_o_path() makes a new struct
 * file) share none of it; an O_PATH fd's link shows no r/w bits (its f_mode has neither FMODE_READ nor
 * FMODE_WRITE, fd-access.ts), while a socket() file always has both. O_PATH is fixed at open, so one O_PATH
 * fd on a socket is a description alone; several are compared. The scan read each socket fd's link mode
 * right after its stat (procfs/fds.ts), so nothing here reads /proc.
 *
 * Other keys that could split a bucket for free must hold for EVERY fd of the inode, O_PATH ones
 * included. fdinfo's `eventfd-id` (lsfd's key for eventfds) would split the one anon inode every eventfd
 * shares, but an O_PATH fd on an eventfd has no such line (its f_op is empty_fops, which shows no fdinfo
 * of its own), and fdinfo costs 6–8 µs per fd.
 */
import { accessOf } from '../../procfs/fd-access.js';
import { kindOf } from '../../procfs/kinds.js';
import type { FdRows } from './fd-rows.js';

/** How a bucket is decided (see the header). */
export type Plan = 'single' | 'socket' | 'o-path' | 'compare';

export interface Buckets {
  /** The rows of every fd read without error, bucket after bucket, each bucket in row order (in shared
   * memory when the rows are: group jobs name ranges of it). */
  rows: Int32Array;
  /** The exclusive end of each bucket in `rows`. */
  ends: Int32Array;
  plan: Plan[];
}

/** The rows of bucket `b`. */
export function bucketRows(buckets: Buckets, b: number): Int32Array {
  return buckets.rows.subarray(b === 0 ? 0 : buckets.ends[b - 1], buckets.ends[b]);
}

export function identify(rows: FdRows, paranoid: boolean): Buckets {
  const byInode = inodeBuckets(rows);
  const out: number[] = [];
  const ends: number[] = [];
  const plan: Plan[] = [];
  const push = (members: readonly number[], p: Plan) => {
    if (members.length === 0) return;
    for (const row of members) out.push(row);
    ends.push(out.length);
    plan.push(p);
  };
  for (const members of byInode) {
    // st_mode alone tells a socket (anon-inode kinds, which need the link name, all share one inode)
    const socket = kindOf(rows.mode[members[0] as number] as number, '').oneIoDescriptionPerInode;
    if (members.length === 1) push(members, 'single');
    else if (!socket || paranoid) push(members, 'compare');
    else {
      const io = members.filter((row) => accessOf(rows.linkMode[row] as number) === 'io');
      const path = members.filter((row) => accessOf(rows.linkMode[row] as number) !== 'io');
      push(io, 'socket');
      push(path, path.length === 1 ? 'o-path' : 'compare');
    }
  }
  return { rows: sharedLike(rows.fd, out), ends: Int32Array.from(ends), plan };
}

/** `values` in an Int32Array, in shared memory when `like` is (the scan's workers read it in place). */
function sharedLike(like: Int32Array, values: readonly number[]): Int32Array {
  const bytes = values.length * Int32Array.BYTES_PER_ELEMENT;
  const buffer =
    like.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const out = new Int32Array(buffer as ArrayBuffer);
  out.set(values);
  return out;
}

/** The rows read without error, by (dev, ino), buckets in order of their first row. */
function inodeBuckets(rows: FdRows): number[][] {
  // Keyed by inode number alone while it is unique; "ino:dev" only for an inode number seen on two devices.
  const byIno = new Map<number, number[]>();
  const byBoth = new Map<string, number[]>();
  const buckets: number[][] = [];
  for (let row = 0; row < rows.fd.length; row++) {
    if (rows.errno[row] !== 0) continue;
    const ino = rows.ino[row] as number;
    const dev = rows.dev[row] as number;
    let bucket = byIno.get(ino);
    if (bucket !== undefined && rows.dev[bucket[0] as number] !== dev) bucket = byBoth.get(`${ino}:${dev}`);
    if (bucket === undefined) {
      bucket = [];
      if (byIno.has(ino)) byBoth.set(`${ino}:${dev}`, bucket);
      else byIno.set(ino, bucket);
      buckets.push(bucket);
    }
    bucket.push(row);
  }
  return buckets;
}
