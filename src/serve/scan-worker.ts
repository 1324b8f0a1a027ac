/**
 * The exporter's scan thread: it runs one fleet scan per request and posts back the sample, so the /proc
 * reads and kcmp calls of a scan (synchronous by design) never hold up the HTTP thread's scrapes.
 */
import { parentPort } from 'node:worker_threads';
import { type FleetScanOptions, fleetScan } from '../inspect/fleet/fleet-scan.js';

export type ScanReply =
  | { ok: true; sample: Awaited<ReturnType<typeof fleetScan>> }
  | { ok: false; name: string; message: string };

parentPort?.on('message', async (options: FleetScanOptions) => {
  let reply: ScanReply;
  try {
    reply = { ok: true, sample: await fleetScan(options) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { ok: false, name: e.name, message: e.message };
  }
  parentPort?.postMessage(reply);
});
