/**
 * Runs the grouping of every 'compare' bucket (fds-group.ts) on the worker pool, or on this thread when
 * there is none, and gathers the outcomes per slot. Buckets are packed into jobs of about JOB_SIZE fds,
 * largest first, so two workers finish together even when one bucket (/dev/null, the anon inode) is huge.
 * The same queue reads the names of the descriptions that need no grouping (single fds, sockets), so
 * link targets are read in parallel with the kcmp work rather than after it.
 */

import type { FdComparator, FdMethod } from '../../compare/fd-comparator.js';
import { readLinks } from '../../procfs/fd-dir.js';
import type { FdColumns } from '../../procfs/fds.js';
import { type Buckets, COMPARE } from './fds-buckets.js';
import { emptyGrouped, type Grouped, type GroupJob, type GroupOutcome, groupBuckets } from './fds-group.js';
import type { WorkerPool, WorkerRequest } from './fds-pool.js';

const JOB_SIZE = 2048;

type Job =
  | { slots: Int32Array; group: GroupJob }
  | { slots: Int32Array; names: { tids: Int32Array; fds: Int32Array } };

export interface GroupOptions {
  method: FdMethod;
  /** A comparator holding our own fds (borrowed-dupfd-query): its buckets are grouped on this thread. */
  comparator?: FdComparator;
  /** Method 'none': the errno standing for the blocked kcmp in error rows. */
  blocked?: string;
  /** Name every description, or only those held more than once. */
  nameAll: boolean;
  /** The tid of the fd table the slot was most likely inherited from (fds.ts), or 0: a grouping hint. */
  inheritedTidOf?: (slot: number) => number;
  onProgress?: (done: number, total: number) => void;
}

export async function groupAll(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
  pool: WorkerPool | undefined,
  options: GroupOptions,
): Promise<Grouped & { comparisons: number }> {
  const grouped = emptyGrouped(cols.fd.length);
  const groups = packGroups(buckets, cols, tidOf, options);
  const jobs = [...groups, ...packNames(buckets, cols, tidOf, options.nameAll)];
  const here = options.comparator ? groups : [];
  const total = jobs.reduce((sum, j) => sum + j.slots.length, 0);
  let done = 0;
  let comparisons = 0;
  const merge = (job: Job, answer: GroupOutcome | string[]): void => {
    if (Array.isArray(answer)) {
      job.slots.forEach((slot, i) => {
        grouped.name[slot] = answer[i] as string;
      });
    } else {
      job.slots.forEach((slot, i) => {
        grouped.klass[slot] = answer.klass[i] as number;
        grouped.why[slot] = answer.why[i] as number;
        grouped.errno[slot] = answer.errno[i] as string;
        grouped.name[slot] = answer.name[i] as string;
      });
      comparisons += answer.comparisons;
    }
    done += job.slots.length;
    options.onProgress?.(done, total);
  };
  const request = (job: Job): WorkerRequest =>
    'group' in job ? { op: 'group', job: job.group } : { op: 'names', ...job.names };
  if (pool) await pool.drain(jobs.slice(here.length), request, merge);
  for (const job of pool ? here : jobs) {
    merge(
      job,
      'group' in job ? groupBuckets(job.group, options.comparator) : readLinks(job.names.tids, job.names.fds),
    );
  }
  return { ...grouped, comparisons };
}

const startOf = (buckets: Buckets, b: number) => (b === 0 ? 0 : (buckets.ends[b - 1] as number));
const lengthOf = (buckets: Buckets, b: number) => (buckets.ends[b] as number) - startOf(buckets, b);

/** The compare buckets, largest first, packed into jobs of about JOB_SIZE fds. */
function packGroups(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
  options: GroupOptions,
) {
  const order: number[] = [];
  for (let b = 0; b < buckets.plan.length; b++) if (buckets.plan[b] === COMPARE) order.push(b);
  order.sort((a, b) => lengthOf(buckets, b) - lengthOf(buckets, a));
  const jobs: Job[] = [];
  let batch: Int32Array[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) jobs.push(groupJob(batch, cols, tidOf, options));
    batch = [];
    size = 0;
  };
  for (const b of order) {
    batch.push(buckets.slots.subarray(startOf(buckets, b), buckets.ends[b]));
    size += lengthOf(buckets, b);
    if (size >= JOB_SIZE) flush();
  }
  flush();
  return jobs;
}

/** One group job over the slots of `parts` (buckets), with the per-item arrays the grouping reads. */
export function groupJob(
  parts: Int32Array[],
  cols: FdColumns,
  tidOf: (slot: number) => number,
  options: Pick<GroupOptions, 'method' | 'nameAll' | 'blocked' | 'inheritedTidOf'>,
): { slots: Int32Array; group: GroupJob } {
  const n = parts.reduce((sum, p) => sum + p.length, 0);
  const slots = new Int32Array(n);
  const group: GroupJob = {
    method: options.method,
    nameAll: options.nameAll,
    tid: new Int32Array(n),
    fd: new Int32Array(n),
    dev: new Float64Array(n),
    ino: new Float64Array(n),
    ends: new Int32Array(parts.length),
    ...(options.blocked ? { blocked: options.blocked } : {}),
    ...(options.inheritedTidOf ? { inheritedTid: new Int32Array(n) } : {}),
  };
  let at = 0;
  parts.forEach((part, p) => {
    for (const slot of part) {
      slots[at] = slot;
      group.tid[at] = tidOf(slot);
      if (group.inheritedTid) group.inheritedTid[at] = options.inheritedTidOf?.(slot) ?? 0;
      group.fd[at] = cols.fd[slot] as number;
      group.dev[at] = cols.dev[slot] as number;
      group.ino[at] = cols.ino[slot] as number;
      at++;
    }
    group.ends[p] = at;
  });
  return { slots, group };
}

/** The first fd of each bucket that needs no grouping: of every one held more than once, of all with --all. */
function packNames(
  buckets: Buckets,
  cols: FdColumns,
  tidOf: (slot: number) => number,
  nameAll: boolean,
): Job[] {
  const firsts: number[] = [];
  for (let b = 0; b < buckets.plan.length; b++) {
    const plan = buckets.plan[b];
    if (plan !== COMPARE && (nameAll || lengthOf(buckets, b) > 1))
      firsts.push(buckets.slots[startOf(buckets, b)] as number);
  }
  const jobs: Job[] = [];
  for (let at = 0; at < firsts.length; at += JOB_SIZE) {
    const slots = Int32Array.from(firsts.slice(at, at + JOB_SIZE));
    const names = {
      tids: Int32Array.from(slots, tidOf),
      fds: Int32Array.from(slots, (s) => cols.fd[s] as number),
    };
    jobs.push({ slots, names });
  }
  return jobs;
}
