/** The worker side of work-split.ts: stats fds, groups buckets and reads link targets, as the main thread would. */
import { parentPort } from 'node:worker_threads';
import { statFds } from './fd-rows.js';
import { groupBuckets } from './group-bucket.js';
import { verifiedNames } from './names.js';
import type { WorkerRequest } from './work-split.js';

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    if (request.op === 'stat') {
      statFds(request.job);
      parentPort?.postMessage({ ok: true, value: null });
    } else if (request.op === 'names') {
      parentPort?.postMessage({
        ok: true,
        value: verifiedNames(request),
      });
    } else {
      // the verdicts are written in place (shared memory): only the count of comparisons travels back
      parentPort?.postMessage({ ok: true, value: groupBuckets(request.job) });
    }
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
