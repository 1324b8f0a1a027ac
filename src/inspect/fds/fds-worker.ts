/** The worker side of fds-pool.ts: reads fd tables, groups buckets and reads link targets, as the main thread would. */
import { parentPort } from 'node:worker_threads';
import { readLinks } from '../../procfs/fd-dir.js';
import { groupBuckets } from './fds-group.js';
import type { WorkerRequest } from './fds-pool.js';
import { scanSlice } from './fds-scan.js';

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    if (request.op === 'scan') {
      const columns = scanSlice(request.slice);
      const transfer = [
        columns.fd,
        columns.dev,
        columns.ino,
        columns.mode,
        columns.linkMode,
        columns.failed,
      ].map((a) => a.buffer as ArrayBuffer);
      parentPort?.postMessage({ ok: true, value: columns }, transfer);
    } else if (request.op === 'names') {
      parentPort?.postMessage({ ok: true, value: readLinks(request.tids, request.fds) });
    } else {
      const outcome = groupBuckets(request.job);
      parentPort?.postMessage({ ok: true, value: outcome }, [
        outcome.klass.buffer as ArrayBuffer,
        outcome.why.buffer as ArrayBuffer,
      ]);
    }
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
