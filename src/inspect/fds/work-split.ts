/**
 * How the work of a large fd scan is split, in one place. The policy: every stage that reads /proc or
 * calls kcmp cuts its work into jobs of about JOB_SIZE fds (stat jobs, group jobs of whole buckets,
 * name jobs), and each job goes to the first free worker thread (`drain`); without workers the same jobs
 * run on the calling thread, in the same order, with the same code. Jobs that hold fds of OUR process
 * (the borrow comparator) always run here.
 *
 * Workers pay where the scan is large and the cores are free: on 2 cores, two workers read /proc 1.6× as
 * fast as one thread, for ~30–80 ms of start-up (measured on Linux 6.18, Node 20: 50,000 fds in 251 ms
 * instead of 411 ms): worth it above WORKER_THRESHOLD fds, wasted below. With the 1-minute load average
 * at or above the core count a worker only takes turns with us (measured at 50,000 fds on 2 cores at
 * load 19: 1.23× slower with 2 workers), so auto starts none. Never more workers than cores: each extra
 * one costs its own V8 heap (~10 MB) and start-up, and adds nothing.
 *
 * Workers exist only when running from the compiled dist/ (a .ts worker cannot start under plain node);
 * otherwise `start` returns undefined and the scan runs on the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';

const SCRIPT = new URL('./fds-worker.js', import.meta.url);

/** The size of one job, in fds. */
export const JOB_SIZE = 2048;

/** Below this many fds, starting workers costs more than the faster /proc reads save. */
export const WORKER_THRESHOLD = 10_000;

/** How many workers a scan starts: `workers` as asked (at most the cores), or by the policy above. */
export function workerCount(workers: number | 'auto', estimateFds: () => number): number {
  const cores = availableParallelism();
  if (workers !== 'auto') return Math.min(workers, cores);
  if (cores < 2 || (loadavg()[0] ?? 0) >= cores) return 0;
  return estimateFds() >= WORKER_THRESHOLD ? Math.min(cores, 4) : 0;
}

/** One stat job: rows [from, to) of `cols`, all of one task's table (their `fd` set; shared memory when
 * the scan has workers, so the worker writes its answers in place). */
export interface StatJob {
  tid: number;
  cols: import('../../procfs/fds.js').FdColumns;
  from: number;
  to: number;
}

export type WorkerRequest =
  | { op: 'stat'; job: StatJob }
  | { op: 'group'; job: import('./group-bucket.js').GroupJob }
  | ({ op: 'names' } & import('./names.js').NamesJob);

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WorkerPool {
  private readonly queues: Pending[][];
  /** Why each worker is gone (an error, or an exit before close()), once it is. */
  private readonly dead: (Error | undefined)[];
  private closing = false;

  private constructor(private readonly workers: Worker[]) {
    this.queues = workers.map(() => []);
    this.dead = workers.map(() => undefined);
    workers.forEach((worker, i) => {
      const queue = this.queues[i] as Pending[];
      const die = (error: Error) => {
        this.dead[i] ??= error;
        for (const pending of queue.splice(0)) pending.reject(error);
      };
      worker.on('message', (reply: { ok: true; value: unknown } | { ok: false; message: string }) => {
        const pending = queue.shift();
        if (reply.ok) pending?.resolve(reply.value);
        else pending?.reject(new Error(`fd scan worker: ${reply.message}`));
      });
      worker.on('error', die);
      worker.on('exit', (code) => {
        if (!this.closing) die(new Error(`fd scan worker exited unexpectedly (code ${code})`));
      });
    });
  }

  static start(size: number): WorkerPool | undefined {
    if (size < 1 || !existsSync(fileURLToPath(SCRIPT))) return undefined;
    return new WorkerPool(Array.from({ length: size }, () => new Worker(SCRIPT)));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Resolves once every worker has loaded its modules and answers a request (an empty `names` one).
   * A --stop scan waits for this before it stops anything: a worker that cannot start (EMFILE, out of
   * memory) then fails the scan while nothing is stopped yet.
   */
  async ready(): Promise<void> {
    const none = {
      op: 'names',
      tids: new Int32Array(0),
      fds: new Int32Array(0),
      devs: new Float64Array(0),
      inos: new Float64Array(0),
      modes: new Uint32Array(0),
    } as const;
    await Promise.all(this.workers.map((_, i) => this.run(i, none)));
  }

  /** Sends one request to worker `i`; resolves with its answer. */
  private run<R>(i: number, request: WorkerRequest, transfer: Transferable[] = []): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const dead = this.dead[i];
      if (dead) return reject(dead);
      (this.queues[i] as Pending[]).push({ resolve: resolve as (v: unknown) => void, reject });
      (this.workers[i] as Worker).postMessage(request, transfer);
    });
  }

  /** Runs every job on the first free worker; `done` gets each answer as it arrives. */
  async drain<J, R>(jobs: J[], request: (job: J) => WorkerRequest, done: (job: J, answer: R) => void) {
    let next = 0;
    await Promise.all(
      this.workers.map(async (_, i) => {
        while (next < jobs.length) {
          const job = jobs[next++] as J;
          done(job, await this.run<R>(i, request(job)));
        }
      }),
    );
  }

  close(): Promise<number[]> {
    this.closing = true;
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The policy's one loop: each job to the first free worker of `pool` (`request` is its message), or,
 * without a pool, every job here in order (`here` does what the worker would); `done` hears each
 * answer as it arrives.
 */
export async function runJobs<J, R>(
  pool: WorkerPool | undefined,
  jobs: J[],
  work: { request(job: J): WorkerRequest; here(job: J): R },
  done: (job: J, answer: R) => void,
): Promise<void> {
  if (pool) await pool.drain(jobs, work.request, done);
  else for (const job of jobs) done(job, work.here(job));
}
