/**
 * Background scans for the exporter: one scan thread (scan-worker.ts), one scan at a time, the next one
 * `intervalMs` after the previous one ENDED — so scans never overlap however long one takes, and a scrape
 * never starts one. Each completed sample replaces the last; a scan that fails as a whole (a named pid gone)
 * is reported to `onFailure` and the last sample stays served. Scans never stop processes (no --stop): a
 * monitoring agent must not freeze what it watches.
 */
import { Worker } from 'node:worker_threads';
import type { FleetSample, FleetScanOptions } from '../inspect/fleet/fleet-scan.js';
import type { ScanReply } from './scan-worker.js';

const SCRIPT = new URL('./scan-worker.js', import.meta.url);

export interface ScannerEvents {
  onSample(sample: FleetSample): void;
  /** A scan failed as a whole; `reason` is its errno name or error code (scan-worker.ts). */
  onFailure(reason: string, message: string): void;
  /** The scan thread itself died (a bug): no more scans will come. */
  onCrash(error: Error): void;
}

export class BackgroundScanner {
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly options: FleetScanOptions,
    private readonly intervalMs: number,
    private readonly events: ScannerEvents,
  ) {}

  /** Starts the scan thread and its first scan. */
  start(): void {
    const worker = new Worker(SCRIPT);
    worker.on('message', (reply: ScanReply) => {
      if (reply.ok) this.events.onSample(reply.sample);
      else this.events.onFailure(reply.reason, reply.message);
      if (!this.#stopped) this.#timer = setTimeout(() => this.#scan(), this.intervalMs);
    });
    worker.on('error', (error) => this.events.onCrash(error));
    this.#worker = worker;
    this.#scan();
  }

  #scan(): void {
    if (!this.#stopped) this.#worker?.postMessage(this.options);
  }

  /** Ends the scan thread, mid-scan or not. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#worker?.terminate();
  }
}
