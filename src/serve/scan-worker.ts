/**
 * The exporter's scan thread: it runs one fleet scan per request and posts back the sample, so the /proc
 * reads and kcmp calls of a scan (synchronous by design) never hold up the HTTP thread's scrapes.
 */
import { parentPort } from 'node:worker_threads';
import { type FleetScanOptions, fleetScan } from '../inspect/fleet/fleet-scan.js';

export type ScanReply =
  | { ok: true; sample: Awaited<ReturnType<typeof fleetScan>> }
  | { ok: false; reason: string; message: string };

/**
 * What a failed scan is counted by: the error's `code` — the errno name for a refused call (EMFILE, as
 * Node's fs errors and SysError carry it), kcmp's code for a typed error (ESRCH: a selected process is
 * gone) — else its class name. Never the bare `Error` every untyped error shares.
 */
export function failureReason(error: Error): string {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code !== '' ? code : error.name;
}

parentPort?.on('message', async (options: FleetScanOptions) => {
  let reply: ScanReply;
  try {
    reply = { ok: true, sample: await fleetScan(options) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { ok: false, reason: failureReason(e), message: e.message };
  }
  parentPort?.postMessage(reply);
});
