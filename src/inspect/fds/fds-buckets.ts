/**
 * Buckets of an fd scan: fds whose files have the same (dev, ino). Fds of one open file description always
 * share one (it points to one inode), so a description never spans two buckets, and an fd alone in its
 * bucket is a description alone (method 'different-inode', no kcmp). mnt_id would refine the key but needs
 * fdinfo (6–8 µs per fd); position and flags must NOT be part of it: they change under a live process and
 * would split one description in two (prior-art.md, lessons §1).
 *
 * Each bucket is planned as one of:
 *   single     — one fd: a description of its own;
 *   socket     — a socket inode's fds opened for I/O: sockfs has one struct file per socket, so one
 *                description (kinds.ts), unless --paranoid asks kcmp anyway. bucketize() plans every
 *                shared socket so; splitSocketBuckets() (fds-socket-buckets.ts) then moves its O_PATH fds
 *                out, to one of:
 *   path-alone — the one O_PATH fd of a socket: a description of its own (O_PATH is fixed at open);
 *   compare    — everything else: grouped by the comparator (fds-group.ts).
 *
 * Other keys that could split a bucket for free must hold for EVERY fd of the inode, O_PATH ones
 * included. fdinfo's `eventfd-id` (lsfd's key for eventfds) would split the one anon inode that every
 * eventfd shares, but an O_PATH fd on an eventfd (open of its /proc link, as above) has no such line —
 * its f_op is empty_fops, which shows no fdinfo of its own — so such fds would have to stay in the bucket
 * and be compared with kcmp; and fdinfo costs 6–8 µs per fd.
 */
import type { FdColumns } from '../../procfs/fds.js';
import { kindOf } from '../../procfs/kinds.js';

export const SINGLE = 0;
export const SOCKET = 1;
export const COMPARE = 2;
export const PATH_ALONE = 3;

export interface Buckets {
  /** The slots of every fd read without error, bucket after bucket, each bucket in slot order. */
  slots: Int32Array;
  /** The exclusive end of each bucket in `slots`. */
  ends: Int32Array;
  plan: Uint8Array;
}

export function bucketize(cols: FdColumns, paranoid: boolean): Buckets {
  const n = cols.fd.length;
  // Keyed by inode number alone while it is unique; "ino:dev" only for an inode number seen on two devices.
  const byIno = new Map<number, number>();
  const byBoth = new Map<string, number>();
  const bucketOf = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const firsts: number[] = [];
  for (let slot = 0; slot < n; slot++) {
    if (cols.failed[slot]) continue;
    const ino = cols.ino[slot] as number;
    const dev = cols.dev[slot] as number;
    let id = byIno.get(ino);
    if (id !== undefined && cols.dev[firsts[id] as number] !== dev) id = byBoth.get(`${ino}:${dev}`);
    if (id === undefined) {
      id = sizes.length;
      if (byIno.has(ino)) byBoth.set(`${ino}:${dev}`, id);
      else byIno.set(ino, id);
      sizes.push(0);
      firsts.push(slot);
    }
    bucketOf[slot] = id;
    sizes[id] = (sizes[id] as number) + 1;
  }
  const count = sizes.length;
  const ends = new Int32Array(count);
  const next = new Int32Array(count);
  let at = 0;
  for (let b = 0; b < count; b++) {
    next[b] = at;
    at += sizes[b] as number;
    ends[b] = at;
  }
  const slots = new Int32Array(at);
  for (let slot = 0; slot < n; slot++) {
    const b = bucketOf[slot] as number;
    if (b >= 0) slots[(next[b] as number)++] = slot;
  }
  const plan = new Uint8Array(count);
  for (let b = 0; b < count; b++) {
    // st_mode alone tells a socket (anon-inode kinds, which need the link name, all share one inode)
    const single = kindOf(cols.mode[firsts[b] as number] as number, '').oneIoDescriptionPerInode;
    plan[b] = sizes[b] === 1 ? SINGLE : single && !paranoid ? SOCKET : COMPARE;
  }
  return { slots, ends, plan };
}
