/**
 * Worker threads for large fd scans. On 2 cores, two workers read /proc 1.6× as fast as one thread, for
 * ~30–80 ms of start-up (native-access.md §3): worth it above ≈ 10k fds, wasted below. Each worker runs
 * fds-worker.js; a request is one message, answered by one message, in order. `drain` hands jobs from a
 * shared queue to whichever worker is free, so one large bucket does not leave the other worker idle.
 *
 * Workers exist only when running from the compiled dist/ (a .ts worker cannot start under plain node);
 * otherwise `startPool` returns undefined and the scan runs on the calling thread, with the same code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';

const SCRIPT = new URL('./fds-worker.js', import.meta.url);

export type WorkerRequest =
  | { op: 'scan'; slice: { tid: number; fds: Int32Array } }
  | { op: 'group'; job: import('./fds-group.js').GroupJob }
  | { op: 'names'; tids: Int32Array; fds: Int32Array };

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
    const none = { op: 'names', tids: new Int32Array(0), fds: new Int32Array(0) } as const;
    await Promise.all(this.workers.map((_, i) => this.run(i, none)));
  }

  /** Sends one request to worker `i`; resolves with its answer. */
  run<R>(i: number, request: WorkerRequest, transfer: Transferable[] = []): Promise<R> {
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
