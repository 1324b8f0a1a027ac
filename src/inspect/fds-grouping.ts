/**
 * Runs the grouping of every 'compare' bucket (fds-group.ts) on the worker pool, or on this thread when
 * there is none, and gathers the outcomes per slot. Buckets are packed into jobs of about JOB_SIZE fds,
 * largest first, so two workers finish together even when one bucket (/dev/null, the anon inode) is huge.
 */
import type { FdColumns } from '../procfs/fds.js';
import type { FdMethod } from './fd-comparator.js';
import { type Buckets, COMPARE } from './fds-buckets.js';
import type { Grouped } from './fds-drafts.js';
import { type GroupJob, type GroupOutcome, groupBuckets } from './fds-group.js';
import type { WorkerPool } from './fds-pool.js';

const JOB_SIZE = 2048;

interface Job {
  slots: Int32Array;
  job: GroupJob;
}

export async function groupAll(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
  method: FdMethod,
  pool: WorkerPool | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<Grouped & { comparisons: number }> {
  const n = cols.fd.length;
  const grouped = {
    klass: new Int32Array(n).fill(-1),
    why: new Uint8Array(n),
    errno: new Array<string>(n).fill(''),
  };
  const jobs = pack(buckets, cols, tidOf, method, JOB_SIZE);
  const total = jobs.reduce((sum, j) => sum + j.slots.length, 0);
  let done = 0;
  let comparisons = 0;
  const merge = (job: Job, outcome: GroupOutcome): void => {
    job.slots.forEach((slot, i) => {
      grouped.klass[slot] = outcome.klass[i] as number;
      grouped.why[slot] = outcome.why[i] as number;
      grouped.errno[slot] = outcome.errno[i] as string;
    });
    comparisons += outcome.comparisons;
    done += job.slots.length;
    onProgress?.(done, total);
  };
  if (pool) await pool.drain(jobs, (j) => ({ op: 'group', job: j.job }), merge);
  else for (const job of jobs) merge(job, groupBuckets(job.job));
  return { ...grouped, comparisons };
}

/** The compare buckets, largest first, packed into jobs of about `size` fds. */
function pack(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
  method: FdMethod,
  size: number,
): Job[] {
  const order: number[] = [];
  for (let b = 0; b < buckets.plan.length; b++) if (buckets.plan[b] === COMPARE) order.push(b);
  const start = (b: number) => (b === 0 ? 0 : (buckets.ends[b - 1] as number));
  const length = (b: number) => (buckets.ends[b] as number) - start(b);
  order.sort((a, b) => length(b) - length(a));
  const jobs: Job[] = [];
  let batch: number[] = [];
  let batchSize = 0;
  const flush = () => {
    if (batch.length > 0)
      jobs.push(
        jobOf(
          batch.map((b) => buckets.slots.subarray(start(b), buckets.ends[b])),
          cols,
          tidOf,
          method,
        ),
      );
    batch = [];
    batchSize = 0;
  };
  for (const b of order) {
    batch.push(b);
    batchSize += length(b);
    if (batchSize >= size) flush();
  }
  flush();
  return jobs;
}

function jobOf(parts: Int32Array[], cols: FdColumns, tidOf: (slot: number) => number, method: FdMethod): Job {
  const n = parts.reduce((sum, p) => sum + p.length, 0);
  const slots = new Int32Array(n);
  const job: GroupJob = {
    method,
    tid: new Int32Array(n),
    fd: new Int32Array(n),
    dev: new Float64Array(n),
    ino: new Float64Array(n),
    ends: new Int32Array(parts.length),
  };
  let at = 0;
  parts.forEach((part, p) => {
    for (const slot of part) {
      slots[at] = slot;
      job.tid[at] = tidOf(slot);
      job.fd[at] = cols.fd[slot] as number;
      job.dev[at] = cols.dev[slot] as number;
      job.ino[at] = cols.ino[slot] as number;
      at++;
    }
    job.ends[p] = at;
  });
  return { slots, job };
}
