/**
 * Stage 4, group: every bucket decided, every row given its verdict (verdicts.ts), written in place.
 *
 *   bucket plan ─┬─ single, socket, o-path ─▶ one description, by its kernel guarantee (buckets.ts)
 *                └─ compare ─┬─ bpf engine: the pass's proposal, proven by kcmp (bpf-proof.ts) ─┐ failed
 *                            │    (a class of one: 'bpf-pass', the pass decided; of more: 'kcmp')  │
 *                            └─ kcmp, borrow: binary insertion by the comparator (group-bucket.ts) ◀┘
 *
 * Binary insertion runs in jobs of whole buckets (work-split.ts), largest first, on workers when the scan
 * has them — except with the borrow comparator, whose borrowed fds are OURS: those run here. A job names
 * its buckets as ranges of Buckets.rows and reads the rows themselves (shared memory with workers); it
 * writes the verdicts in place and answers only how many comparisons it made. The certainty rule is
 * verdicts.ts's settleBucket, the same for every engine.
 */
import type { ScanMethod } from '../../compare/fd-scan-method.js';
import { FdDirs } from '../../procfs/fd-dir.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { proveProposal } from './bpf-proof.js';
import { type Buckets, bucketRows, type Plan } from './buckets.js';
import type { FdRows } from './fd-rows.js';
import type { FdsMethod } from './fds-report.js';
import { type GroupJob, groupBuckets } from './group-bucket.js';
import { allocVerdicts, describeAll, type Verdicts } from './verdicts.js';
import { JOB_SIZE, runJobs, type WorkerPool } from './work-split.js';

/** How a bucket that needs no comparison is decided, by its plan. */
const PLAN_METHOD: Readonly<Record<Exclude<Plan, 'compare'>, FdsMethod>> = {
  single: 'different-inode',
  socket: 'socket-inode',
  'o-path': 'o-path',
};

export interface GroupRun {
  how: ScanMethod;
  pool: WorkerPool | undefined;
  processes: readonly SelectedProcess[];
  /** Every kept description will be named (describe.ts `namesEveryDescription`); false when unknown. */
  namesAll?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The verdict of every row, and the comparisons (kcmp or F_DUPFD_QUERY calls) they took. */
export interface Grouped {
  verdicts: Verdicts;
  comparisons: number;
}

export async function group(rows: FdRows, buckets: Buckets, run: GroupRun): Promise<Grouped> {
  const verdicts = allocVerdicts(rows.errno, rows.fd.buffer instanceof SharedArrayBuffer);
  let comparisons = 0;
  const insert: number[] = [];
  const dirs = new FdDirs(); // the bpf proofs' re-stats, one directory per task for every bucket
  try {
    for (let b = 0; b < buckets.plan.length; b++) {
      const plan = buckets.plan[b] as Plan;
      const members = bucketRows(buckets, b);
      if (plan !== 'compare') {
        describeAll(verdicts, members, PLAN_METHOD[plan], true);
        continue;
      }
      if (rows.fileKey && run.how.method === 'kcmp') {
        const proof = proveProposal(rows as FdRows & { fileKey: Int32Array }, members, verdicts, dirs);
        comparisons += proof.calls;
        if (proof.proven) continue;
      }
      insert.push(b);
    }
  } finally {
    dirs.close();
  }
  comparisons += await insertAll(rows, buckets, insert, verdicts, run);
  return { verdicts, comparisons };
}

/** Binary insertion of the buckets `insert` (their numbers), in jobs (see the header); the comparisons. */
async function insertAll(
  rows: FdRows,
  buckets: Buckets,
  insert: number[],
  verdicts: Verdicts,
  run: GroupRun,
) {
  const { how, pool } = run;
  const base: Omit<GroupJob, 'ranges'> = {
    method: how.method,
    rows: { fd: rows.fd, dev: rows.dev, ino: rows.ino, table: rows.table },
    tid: Int32Array.from(rows.tables, (t) => t.tid),
    inheritedTid: inheritedTables(run.processes, rows),
    bucketRows: buckets.rows,
    verdicts,
    ...(how.blocked ? { blocked: how.blocked } : {}),
    // the bpf engine's rows are named by its pass, with no check to stand for a re-stat
    confirmByName: run.namesAll === true && rows.nameOf === undefined,
  };
  const jobs = packJobs(buckets, insert).map((ranges) => ({ ...base, ranges }));
  const size = (job: GroupJob) => {
    let n = 0;
    for (let r = 0; r < job.ranges.length; r += 2)
      n += (job.ranges[r + 1] as number) - (job.ranges[r] as number);
    return n;
  };
  const total = jobs.reduce((n, j) => n + size(j), 0);
  let done = 0;
  let comparisons = 0;
  const grouping = {
    request: (job: GroupJob) => ({ op: 'group', job }) as const,
    here: (job: GroupJob) => groupBuckets(job, how.comparator),
  };
  // The borrow comparator holds fds of OUR process: its jobs run here.
  await runJobs(how.comparator ? undefined : pool, jobs, grouping, (job, calls: number) => {
    comparisons += calls;
    done += size(job);
    run.onProgress?.(done, total);
  });
  return comparisons;
}

/** The buckets `insert`, largest first, packed into jobs of about JOB_SIZE fds: per job, its buckets as
 * [start, end) pairs of indices into Buckets.rows. */
function packJobs(buckets: Buckets, insert: number[]): Int32Array[] {
  const start = (b: number) => (b === 0 ? 0 : (buckets.ends[b - 1] as number));
  const length = (b: number) => (buckets.ends[b] as number) - start(b);
  const order = [...insert].sort((a, b) => length(b) - length(a));
  const jobs: Int32Array[] = [];
  let batch: number[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) jobs.push(Int32Array.from(batch));
    batch = [];
    size = 0;
  };
  for (const b of order) {
    batch.push(start(b), buckets.ends[b] as number);
    size += length(b);
    if (size >= JOB_SIZE) flush();
  }
  flush();
  return jobs;
}

/**
 * For each table, the fd table it was most likely inherited from: its parent's, when the parent is
 * scanned, else the previous scanned sibling's (a pre-fork server's workers, when the master is not
 * selected or has closed them); 0 for none. Only a hint for the grouping: kcmp decides.
 */
function inheritedTables(processes: readonly SelectedProcess[], rows: FdRows): Int32Array {
  const ppidOf = new Map(processes.map((p) => [p.pid, p.ppid]));
  const tidOfPid = new Map(rows.tables.map((t) => [t.pid, t.tid]));
  const lastChild = new Map<number, number>();
  return Int32Array.from(rows.tables, (t) => {
    const ppid = ppidOf.get(t.pid) ?? 0;
    const sibling = lastChild.get(ppid) ?? 0;
    if (t.tid === t.pid) lastChild.set(ppid, t.tid);
    return tidOfPid.get(ppid) ?? sibling;
  });
}
