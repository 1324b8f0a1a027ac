/**
 * Stage 4, group: every bucket decided, every row given its outcome (outcomes.ts).
 *
 *   bucket plan ─┬─ single, socket, o-path ─▶ one description, by its kernel guarantee (buckets.ts)
 *                └─ compare ─┬─ bpf engine: the pass's proposal, proven by kcmp (bpf-proof.ts) ─┐ failed
 *                            │    (a class of one: 'bpf-pass', the pass decided; of more: 'kcmp')  │
 *                            └─ kcmp, borrow: binary insertion by the comparator (group-bucket.ts) ◀┘
 *
 * Binary insertion runs in jobs of whole buckets (work-split.ts), largest first, on workers when the scan
 * has them — except with the borrow comparator, whose borrowed fds are OURS: those run here.
 *
 * Certainty: a bucket in which some fd could not be compared (kcmp refused: privilege, not supported)
 * keeps what was proved — holders found equal do share a description — but none of its descriptions can
 * be told apart from the uncompared fds, so all are `certain: false`; each uncompared fd is its own
 * description with method 'none' (never merged on a guess), and so is any single-fd description of that
 * bucket (nothing proved it alone).
 */
import type { ScanMethod } from '../../compare/fd-scan-method.js';
import type { SelectedProcess } from '../../procfs/select.js';
import { errnoName } from '../../sys/errno.js';
import { proveProposal } from './bpf-proof.js';
import { type Buckets, bucketRows, type Plan } from './buckets.js';
import { type FdRows, tableOf } from './fd-rows.js';
import type { FdsMethod } from './fds-report.js';
import { type BucketOutcome, type GroupJob, groupBuckets } from './group-bucket.js';
import type { Fate, FdOutcome, Outcomes } from './outcomes.js';
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
  onProgress?: (done: number, total: number) => void;
}

export async function group(rows: FdRows, buckets: Buckets, run: GroupRun): Promise<Outcomes> {
  const out = new OutcomeList(rows);
  const insert: Int32Array[] = [];
  for (let b = 0; b < buckets.plan.length; b++) {
    const plan = buckets.plan[b] as Plan;
    const members = bucketRows(buckets, b);
    if (plan !== 'compare') {
      out.describe(members, PLAN_METHOD[plan], true);
      continue;
    }
    if (rows.fileKey && run.how.method === 'kcmp') {
      const proof = proveProposal(rows as FdRows & { fileKey: Int32Array }, members);
      out.comparisons += proof.calls;
      if (proof.classes) {
        // kcmp proved each class of two or more; a class of one was told apart by the pass alone
        out.settle(proof.classes, proof.fates, (members) => (members.length > 1 ? 'kcmp' : 'bpf-pass'));
        continue;
      }
    }
    insert.push(members);
  }
  await insertAll(rows, insert, run, out);
  return { of: out.of, descriptions: out.descriptions, comparisons: out.comparisons };
}

/** The outcomes as they are decided. */
class OutcomeList {
  readonly of: FdOutcome[];
  readonly descriptions: Outcomes['descriptions'] = [];
  comparisons = 0;

  constructor(rows: FdRows) {
    this.of = new Array<FdOutcome>(rows.fd.length);
    for (let row = 0; row < rows.fd.length; row++) {
      const errno = rows.errno[row] as number;
      if (errno !== 0) this.of[row] = { kind: 'failed', syscall: 'stat', errno: errnoName(errno) };
    }
  }

  /** A new description held by `members`; its number. */
  describe(members: ArrayLike<number>, method: FdsMethod, certain: boolean): number {
    const description = this.descriptions.length;
    this.descriptions.push({ method, certain });
    for (let i = 0; i < members.length; i++) this.of[members[i] as number] = { kind: 'member', description };
    return description;
  }

  /** One compared bucket: its classes (rows) and the fate of each row without one (see the header);
   * `method`: what decided a class, or a function of its members that says. */
  settle(
    classes: readonly number[][],
    fates: readonly [number, Fate][],
    method: FdsMethod | ((members: readonly number[]) => FdsMethod),
  ): void {
    const certain = !fates.some(([, f]) => alone(f));
    for (const members of classes) {
      const decided = typeof method === 'function' ? method(members) : method;
      this.describe(members, certain || members.length > 1 ? decided : 'none', certain);
    }
    for (const [row, fate] of fates) {
      if (alone(fate)) {
        const description = this.describe([], 'none', false);
        this.of[row] = { ...fate, description };
      } else this.of[row] = fate;
    }
  }
}

/** A fate that leaves its fd a description of its own, uncertain (the others leave it out of the report). */
function alone(fate: Fate): fate is Extract<Fate, { kind: 'uncompared' | 'unsettled' | 'uncalled' }> {
  return fate.kind === 'uncompared' || fate.kind === 'unsettled' || fate.kind === 'uncalled';
}

/** A group job and the rows of its items, in order. */
interface RowsJob {
  rows: Int32Array;
  group: GroupJob;
}

/** Binary insertion of the buckets `insert`, in jobs (see the header). */
async function insertAll(rows: FdRows, insert: Int32Array[], run: GroupRun, out: OutcomeList) {
  const { how, pool } = run;
  const jobs = packJobs(rows, insert, how, inheritedTables(run.processes, rows));
  const total = jobs.reduce((n, j) => n + j.rows.length, 0);
  let done = 0;
  const merge = (job: RowsJob, outcome: BucketOutcome) => {
    mergeJob(job, outcome, how.method, out);
    done += job.rows.length;
    run.onProgress?.(done, total);
  };
  const grouping = {
    request: (job: RowsJob) => ({ op: 'group', job: job.group }) as const,
    here: (job: RowsJob) => groupBuckets(job.group, how.comparator),
  };
  // The borrow comparator holds fds of OUR process: its jobs run here.
  await runJobs(how.comparator ? undefined : pool, jobs, grouping, merge);
}

/** A job's answer, bucket by bucket, as classes of rows and fates of rows. */
function mergeJob(job: RowsJob, outcome: BucketOutcome, method: FdsMethod, out: OutcomeList): void {
  out.comparisons += outcome.comparisons;
  const fateOf = new Map(outcome.fates);
  let start = 0;
  for (const end of job.group.ends) {
    const classes: number[][] = [];
    const fates: [number, Fate][] = [];
    for (let i = start; i < end; i++) {
      const row = job.rows[i] as number;
      const k = outcome.klass[i] as number;
      const fate = fateOf.get(i);
      const members = classes[k];
      if (fate) fates.push([row, fate]);
      else if (members) members.push(row);
      else classes[k] = [row];
    }
    // the classes of a bucket whose every member was dropped leave holes: skipped
    out.settle(
      classes.filter((c) => c !== undefined),
      fates,
      method,
    );
    start = end;
  }
}

/** The buckets, largest first, packed into jobs of about JOB_SIZE fds, with the arrays a job carries. */
function packJobs(
  rows: FdRows,
  insert: Int32Array[],
  how: ScanMethod,
  inheritedTid: (row: number) => number,
) {
  const order = [...insert].sort((a, b) => b.length - a.length);
  const jobs: RowsJob[] = [];
  let batch: Int32Array[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) jobs.push(groupJob(rows, batch, how, inheritedTid));
    batch = [];
    size = 0;
  };
  for (const bucket of order) {
    batch.push(bucket);
    size += bucket.length;
    if (size >= JOB_SIZE) flush();
  }
  flush();
  return jobs;
}

function groupJob(rows: FdRows, parts: Int32Array[], how: ScanMethod, inheritedTid: (row: number) => number) {
  const n = parts.reduce((sum, p) => sum + p.length, 0);
  const jobRows = new Int32Array(n);
  const group: GroupJob = {
    method: how.method,
    tid: new Int32Array(n),
    inheritedTid: new Int32Array(n),
    fd: new Int32Array(n),
    dev: new Float64Array(n),
    ino: new Float64Array(n),
    ends: new Int32Array(parts.length),
    ...(how.blocked ? { blocked: how.blocked } : {}),
  };
  let at = 0;
  parts.forEach((part, p) => {
    for (const row of part) {
      jobRows[at] = row;
      group.tid[at] = tableOf(rows, row).tid;
      (group.inheritedTid as Int32Array)[at] = inheritedTid(row);
      group.fd[at] = rows.fd[row] as number;
      group.dev[at] = rows.dev[row] as number;
      group.ino[at] = rows.ino[row] as number;
      at++;
    }
    group.ends[p] = at;
  });
  return { rows: jobRows, group };
}

/**
 * For each row, the fd table it was most likely inherited from: its parent's, when the parent is
 * scanned, else the previous scanned sibling's (a pre-fork server's workers, when the master is not
 * selected or has closed them); 0 for none. Only a hint for the grouping: kcmp decides.
 */
function inheritedTables(processes: readonly SelectedProcess[], rows: FdRows): (row: number) => number {
  const ppidOf = new Map(processes.map((p) => [p.pid, p.ppid]));
  const tidOfPid = new Map(rows.tables.map((t) => [t.pid, t.tid]));
  const lastChild = new Map<number, number>();
  const from = rows.tables.map((t) => {
    const ppid = ppidOf.get(t.pid) ?? 0;
    const sibling = lastChild.get(ppid) ?? 0;
    if (t.tid === t.pid) lastChild.set(ppid, t.tid);
    return tidOfPid.get(ppid) ?? sibling;
  });
  return (row) => from[rows.table[row] as number] as number;
}
