/**
 * The bpf engine's group stage for one compare bucket: BPF proposes, kcmp proves.
 *
 *   bucket rows ─ struct file key (the pass) ─▶ proposed classes
 *     ─▶ every class of n > 1 fds: kcmp(anchor, other) for the n − 1 others (a star, src/group/star.ts)
 *         all 0: the classes stand │ any other answer: the bucket goes to binary insertion (group-bucket.ts)
 *     ─▶ re-stat one fd of each proven class: a changed inode means its fds were closed and reused: dropped
 *
 * Why a proof: the pass is not a snapshot. A struct file freed while the pass runs can be reallocated at
 * the same address for a new file, so two fds with one key may hold two files visited at two instants.
 * kcmp compares the files the fds hold at the time of the call; equal answers for all n − 1 pairs mean the
 * class shares one description then. A singleton needs no proof: two different addresses seen in one
 * pass are two files (a description never moves).
 *
 * Why one star suffices here, where the kcmp engine checks each class with two (group-bucket.ts): an fd
 * that changes under the proof (re-pointed with dup2, closed and its number reused) cannot join two
 * descriptions. Members of one proposed class had one struct file address in the pass; two fds that held
 * their descriptions throughout and shared an address shared the file (a live file has one address), so a
 * churning anchor can only be reported with fds of the file it held when the pass saw it — true at that
 * moment. Claims of "different" rest on the pass alone (different live addresses), not on a kcmp answer.
 */
import { type KcmpCall, kcmpComparison } from '../../compare/kcmp-comparison.js';
import { proveStar } from '../../group/star.js';
import type { FdDirs } from '../../procfs/fd-dir.js';
import { type ErrnoName, errnoNumber, isGone } from '../../sys/errno.js';
import { KCMP, sysKcmp } from '../../sys/kcmp.js';
import { type FdRows, tableOf } from './fd-rows.js';
import { FATE, fail, live, restatRow, settleBucket, type Verdicts } from './verdicts.js';

/** Whether the proposal was proven (its verdicts written), and the kcmp calls it took. When not, nothing
 * is written: the bucket must be grouped by kcmp order instead. */
export interface Proof {
  proven: boolean;
  calls: number;
}

/**
 * Proves the pass's proposal for one compare bucket and, when it stands, writes the verdicts of its rows:
 * each proven class of two or more fds decided by 'kcmp', a class of one by 'bpf-pass' (the pass told it
 * apart alone); rows found gone or reused on the way are failed.
 *
 * `dirs`: the /proc/TID/fd directories of the re-stat, opened once for the whole group stage by the
 * caller (opening and closing one per bucket was most of the proof's cost: a 50,000-fd scan proves
 * thousands of buckets). Held open, a task's directory is no weaker than one opened anew: procfs ties it
 * to the task's struct pid, so once the task has exited every lookup through it fails (ENOENT) even if
 * its tid is reused, where a directory opened anew by number would show the new task's fds.
 *
 * `call`: the raw kcmp call; a test passes a wrapper around sysKcmp that closes, reuses or re-points an fd
 * between two calls, to script each branch of the gone-anchor rule (star.ts).
 */
export function proveProposal(
  rows: FdRows & { fileKey: Int32Array },
  bucket: Int32Array,
  verdicts: Verdicts,
  dirs: FdDirs,
  call: KcmpCall = sysKcmp,
): Proof {
  const classes = proposedClasses(rows.fileKey, bucket);
  const gone: [row: number, errno: ErrnoName][] = [];
  let calls = 0;
  const fd = (row: number) => rows.fd[row] as number;
  const tid = (row: number) => tableOf(rows, row).tid;
  const compare = (a: number, b: number) => {
    calls++;
    return kcmpComparison(KCMP.FILE, tid(a), fd(a), tid(b), fd(b), call);
  };
  const proven: number[][] = [];
  for (const members of classes) {
    // One star around the class's first fd; a gone anchor hands over by the one rule (star.ts).
    const star = proveStar(members[0] as number, members.slice(1), compare);
    const refused = star.failed.some(({ error }) => !isGone(error));
    if (star.unequal.length > 0 || refused) return { proven: false, calls };
    for (const { item, error } of star.failed) gone.push([item, error]);
    proven.push(star.equal);
  }
  for (const [row, errno] of gone) fail(verdicts, row, FATE.failed, 'kcmp', errnoNumber(errno));
  restatProven(rows, proven, verdicts, dirs);
  settleBucket(verdicts, bucket, proven, (size) => (size > 1 ? 'kcmp' : 'bpf-pass'));
  return { proven: true, calls };
}

/** Classes of one bucket by struct file key, in order of their first row. */
function proposedClasses(key: Int32Array, bucket: Int32Array): number[][] {
  const classOf = new Map<number, number[]>();
  const classes: number[][] = [];
  for (const row of bucket) {
    const k = key[row] as number;
    let members = classOf.get(k);
    if (!members) {
      members = [];
      classOf.set(k, members);
      classes.push(members);
    }
    members.push(row);
  }
  return classes;
}

/**
 * The inode a proven class is reported with is the one the pass saw. Its fds all held one description
 * when proven; one re-stat tells whether that description is still the pass's file — a changed (dev, ino)
 * means the fd was closed and its number reused since (like the kcmp engine's re-stat, but once per
 * class: the others are the same file). A gone or changed fd leaves the class; the next one is tried.
 */
function restatProven(rows: FdRows, classes: readonly number[][], verdicts: Verdicts, dirs: FdDirs): void {
  const { fd, dev, ino } = rows;
  for (const members of classes) {
    if (members.length < 2) continue;
    for (const row of members) {
      if (!live(verdicts, row)) continue;
      const dir = dirs.get(tableOf(rows, row).tid);
      if (restatRow(verdicts, row, dir, fd[row] as number, dev[row] as number, ino[row] as number)) break;
    }
  }
}
