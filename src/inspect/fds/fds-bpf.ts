/**
 * The bpf engine: BPF proposes, kcmp proves.
 *
 *   task_file iterator pass ─▶ records of the selected tables (by tid) ─▶ (dev, ino) buckets
 *     ─▶ in each bucket, classes by struct file key (the proposal)
 *     ─▶ every class of n > 1 fds: kcmp(first, other) for the n − 1 others (the proof)
 *         all 0: the class stands │ any other answer: the whole bucket is grouped by the kcmp engine
 *     ─▶ re-stat one fd of each proven class: a changed inode means its fds were closed and reused: dropped
 *
 * Why a proof: the pass is not a snapshot. A struct file freed while the pass runs can be reallocated at
 * the same address for a new file, so two fds with one key may hold two files visited at two instants.
 * kcmp compares the files the fds hold at the time of the call; equal answers for all n − 1 pairs mean the
 * class shares one description then. A singleton needs no proof: two different addresses seen in one
 * pass are two files (a description never moves). A socket bucket keeps its kernel guarantee (sockfs has
 * one struct file per socket inode, kinds.ts) unless --paranoid, which makes it a compare bucket.
 *
 * The output is the kcmp engine's: the same tables, slots in (table, fd) order, buckets and per-slot
 * outcomes; names are read later for the listed descriptions only (fds-names.ts).
 */
import type { TaskFileIterator, TaskFileRecords } from '../../bpf/task-file-iter.js';
import { CompareFailure } from '../../compare/comparison.js';
import { kcmpComparison } from '../../compare/kcmp-comparison.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import type { FdColumns } from '../../procfs/fds.js';
import { allocFdColumns } from '../../procfs/fds.js';
import { isGone } from '../../sys/errno.js';
import { KCMP } from '../../sys/kcmp.js';
import type { FdTable } from './fd-tables.js';
import { type Buckets, bucketize, COMPARE } from './fds-buckets.js';
import { emptyGrouped, GONE_KCMP, GONE_STAT, type Grouped, groupBuckets, NOT_GONE } from './fds-group.js';
import { groupJob } from './fds-grouping.js';
import type { TableScan } from './fds-scan.js';
import { splitSocketBuckets } from './fds-socket-buckets.js';

/**
 * Up to this many processes, each gets its own pid-filtered pass (Linux 6.1) rather than one pass over
 * every task of the machine: a pass costs a link, an iterator fd and a few reads (tens of µs), while a
 * whole pass reads every fd of every process, which on a busy machine is far more than the selection.
 */
const FILTERED_PASSES = 512;

export interface BpfScan extends TableScan {
  buckets: Buckets;
  /** Per slot, as the kcmp engine's grouping has them; `comparisons`: the kcmp calls of the proofs. */
  grouped: Grouped & { comparisons: number };
}

export function scanWithBpf(
  iter: TaskFileIterator,
  tables: readonly FdTable[],
  options: { paranoid: boolean; nameAll: boolean },
): BpfScan {
  const { cols, tableOf, key } = collect(tables, readPasses(iter, tables));
  const tidOf = (slot: number) => (tables[tableOf[slot] as number] as FdTable).tid;
  const buckets = splitSocketBuckets(bucketize(cols, options.paranoid), cols);
  const grouped = emptyGrouped(cols.fd.length);
  const fallback: Int32Array[] = [];
  const proven: number[][] = [];
  let comparisons = 0;
  let start = 0;
  for (let b = 0; b < buckets.ends.length; b++) {
    const end = buckets.ends[b] as number;
    if (buckets.plan[b] === COMPARE) {
      const slots = buckets.slots.subarray(start, end);
      const classes = proposeClasses(slots, key, grouped);
      const proof = prove(classes, cols, tidOf, grouped);
      comparisons += proof.calls;
      if (!proof.ok) {
        fallback.push(slots);
      } else {
        for (const members of classes) if (members.length > 1) proven.push(members);
      }
    }
    start = end;
  }
  if (fallback.length > 0) comparisons += groupHere(fallback, cols, tidOf, grouped, options.nameAll);
  restatProven(proven, cols, tidOf, grouped);
  return { listed: [...tables], tableOf, cols, buckets, grouped: { ...grouped, comparisons } };
}

/** Classes of one bucket by struct file key, numbered in order of their first slot. */
function proposeClasses(slots: Int32Array, key: Int32Array, grouped: Grouped): number[][] {
  const keys: number[] = [];
  const classes: number[][] = [];
  let classOf: Map<number, number> | undefined; // once a bucket has many classes
  for (const slot of slots) {
    const k = key[slot] as number;
    let c = classOf ? classOf.get(k) : keys.indexOf(k);
    if (c === undefined || c < 0) {
      c = classes.length;
      keys.push(k);
      classes.push([]);
      if (classOf) classOf.set(k, c);
      else if (keys.length > 16) classOf = new Map(keys.map((key, i) => [key, i]));
    }
    (classes[c] as number[]).push(slot);
    grouped.klass[slot] = c;
  }
  return classes;
}

/**
 * kcmp(anchor, other) for every other fd of every class, the anchor being its first fd. An fd found gone
 * meanwhile (closed, exited: EBADF, ESRCH) leaves the class as the kcmp engine's verification does — a
 * gone anchor hands over to the fd it was compared with, which it equalled as long as both were there —
 * and the proof goes on; any other answer (different, refused) fails the bucket's proof.
 */
function prove(
  classes: readonly number[][],
  cols: FdColumns,
  tidOf: (slot: number) => number,
  grouped: Grouped,
) {
  let calls = 0;
  for (const members of classes) {
    let a = members[0] as number;
    for (let m = 1; m < members.length; m++) {
      const b = members[m] as number;
      calls++;
      const c = kcmpComparison(KCMP.FILE, tidOf(a), cols.fd[a] as number, tidOf(b), cols.fd[b] as number);
      if (c === 0) continue;
      if (!(c instanceof CompareFailure) || !isGone(c.error)) return { ok: false, calls };
      const gone = c.blame === 'a' ? a : b;
      grouped.klass[gone] = -1;
      grouped.why[gone] = GONE_KCMP;
      grouped.errno[gone] = c.error;
      if (gone === a) a = b;
    }
  }
  return { ok: true, calls };
}

/** Buckets whose proposal failed its proof, grouped by the kcmp engine here (re-stat and names included). */
function groupHere(
  parts: Int32Array[],
  cols: FdColumns,
  tidOf: (slot: number) => number,
  grouped: Grouped,
  nameAll: boolean,
): number {
  const { slots, group } = groupJob(parts, cols, tidOf, { method: 'kcmp', nameAll });
  const outcome = groupBuckets(group);
  slots.forEach((slot, i) => {
    grouped.klass[slot] = outcome.klass[i] as number;
    grouped.why[slot] = outcome.why[i] as number;
    grouped.errno[slot] = outcome.errno[i] as string;
    grouped.name[slot] = outcome.name[i] as string;
  });
  return outcome.comparisons;
}

/**
 * The inode a proven class is reported with is the one the pass saw. Its fds all held one description
 * when proven; one re-stat tells whether that description is still the pass's file — a changed (dev, ino)
 * means the fd was closed and its number reused since (like the kcmp engine's re-stat, but once per
 * class: the others are the same file). A gone or changed fd leaves the class; the next one is tried.
 */
function restatProven(
  proven: readonly number[][],
  cols: FdColumns,
  tidOf: (slot: number) => number,
  grouped: Grouped,
): void {
  const dirs = new FdDirs();
  try {
    for (const members of proven) {
      for (const slot of members) {
        if (grouped.why[slot] !== NOT_GONE) continue;
        const dir = dirs.get(tidOf(slot));
        const errno = dir.restat(cols.fd[slot] as number, cols.dev[slot] as number, cols.ino[slot] as number);
        if (errno === undefined) break;
        grouped.klass[slot] = -1;
        grouped.why[slot] = GONE_STAT;
        grouped.errno[slot] = errno;
      }
    }
  } finally {
    dirs.close();
  }
}

/** The pid-filtered passes for a few processes, else one pass over every task. */
function readPasses(iter: TaskFileIterator, tables: readonly FdTable[]): TaskFileRecords[] {
  const pids = [...new Set(tables.map((t) => t.pid))];
  if (pids.length > FILTERED_PASSES) return [iter.read()];
  const passes: TaskFileRecords[] = [];
  for (const pid of pids) {
    const pass = iter.read(pid);
    // Before 6.1 the kernel ignores the filter: this pass already holds every task.
    for (let i = 0; i < pass.count; i++) if (pass.tgid[i] !== pid) return [pass];
    passes.push(pass);
  }
  return passes;
}

interface Collected {
  cols: FdColumns;
  tableOf: Int32Array;
  key: Int32Array;
}

/** The records of the selected tables (matched by tid), in (table, fd) order, as the /proc scan has them. */
function collect(tables: readonly FdTable[], passes: readonly TaskFileRecords[]): Collected {
  const tableByTid = new Map(tables.map((t, i) => [t.tid, i]));
  // A task's records come together: one lookup per task, not per fd.
  let lastTid = -1;
  let lastTable: number | undefined;
  const tableOfTid = (tid: number) => {
    if (tid !== lastTid) {
      lastTid = tid;
      lastTable = tableByTid.get(tid);
    }
    return lastTable;
  };
  const counts = new Int32Array(tables.length + 1);
  for (const pass of passes) {
    for (let i = 0; i < pass.count; i++) {
      const t = tableOfTid(pass.tid[i] as number);
      if (t !== undefined) counts[t + 1] = (counts[t + 1] as number) + 1;
    }
  }
  for (let t = 1; t <= tables.length; t++) counts[t] = (counts[t] as number) + (counts[t - 1] as number);
  const n = counts[tables.length] as number;
  const cols = allocFdColumns(n);
  const tableOf = new Int32Array(n);
  const key = new Int32Array(n);
  const next = counts.slice(0, tables.length);
  for (const pass of passes) {
    for (let i = 0; i < pass.count; i++) {
      const t = tableOfTid(pass.tid[i] as number);
      if (t === undefined) continue;
      const slot = (next[t] as number)++;
      tableOf[slot] = t;
      cols.fd[slot] = pass.fd[i] as number;
      cols.dev[slot] = pass.dev[i] as number;
      cols.ino[slot] = pass.ino[i] as number;
      cols.mode[slot] = pass.mode[i] as number;
      cols.linkMode[slot] = linkModeOf(pass.fMode[i] as number);
      key[slot] = pass.key[i] as number;
    }
  }
  sortWithinTables(counts, cols, key);
  return { cols, tableOf, key };
}

/**
 * The st_mode procfs gives the fd's /proc link, from the f_mode the pass read: S_IFLNK plus S_IRUSR|S_IXUSR
 * for FMODE_READ (1), S_IWUSR|S_IXUSR for FMODE_WRITE (2) (fs/proc/fd.c, tid_fd_update_inode), so the
 * socket split (fds-socket-buckets.ts) sees what the /proc scan would.
 */
function linkModeOf(fMode: number): number {
  return 0o120000 | (fMode & 1 ? 0o500 : 0) | (fMode & 2 ? 0o300 : 0);
}

/** The kernel visits a table's fds in ascending order; this only checks, and sorts a table that is not. */
function sortWithinTables(bounds: Int32Array, cols: FdColumns, key: Int32Array): void {
  for (let t = 0; t + 1 < bounds.length; t++) {
    const from = bounds[t] as number;
    const to = bounds[t + 1] as number;
    let sorted = true;
    for (let s = from + 1; s < to && sorted; s++)
      sorted = (cols.fd[s - 1] as number) < (cols.fd[s] as number);
    if (sorted) continue;
    const order = Array.from({ length: to - from }, (_, i) => from + i).sort(
      (a, b) => (cols.fd[a] as number) - (cols.fd[b] as number),
    );
    const fd = order.map((s) => cols.fd[s] as number);
    const dev = order.map((s) => cols.dev[s] as number);
    const ino = order.map((s) => cols.ino[s] as number);
    const mode = order.map((s) => cols.mode[s] as number);
    const k = order.map((s) => key[s] as number);
    const linkMode = order.map((s) => cols.linkMode[s] as number);
    cols.fd.set(fd, from);
    cols.linkMode.set(linkMode, from);
    cols.dev.set(dev, from);
    cols.ino.set(ino, from);
    cols.mode.set(mode, from);
    key.set(k, from);
  }
}
