/**
 * The exporter: the background scanner feeding the HTTP endpoint. It keeps the last completed sample and,
 * per format, the registry built from it (metrics.ts), and counts scans, kcmp calls and failed scans over
 * its life. What is probed once — the capabilities and the comparison method — is probed at start.
 */

import type { AddressInfo } from 'node:net';
import { detectCapabilities } from '../compare/probe.js';
import type { FleetSample, FleetScanOptions } from '../inspect/fleet/fleet-scan.js';
import { VERSION } from '../util/version.js';
import { type EndpointOptions, type MetricsServer, metricsServer } from './http-endpoint.js';
import { type ExporterState, type Format, registryOf } from './metrics.js';
import { BackgroundScanner } from './scanner.js';

/** The state every rendering shares: probed once per process. */
export function exporterState(): ExporterState {
  return {
    capabilities: detectCapabilities(),
    version: VERSION,
    scans: 0,
    comparisons: 0,
    failures: new Map(),
  };
}

/** The metrics text of one sample (for `kcmp metrics`, or a scrape). */
export function renderSample(sample: FleetSample, state: ExporterState, format: Format): Promise<string> {
  return registryOf(sample, state, format).metrics();
}

export interface ExporterEvents {
  onFailure(reason: string, message: string): void;
  onCrash(error: Error): void;
}

export class Exporter {
  readonly #state = exporterState();
  readonly #server: MetricsServer;
  readonly #scanner: BackgroundScanner;
  #registries: Partial<Record<Format, ReturnType<typeof registryOf>>> = {};
  #sample: FleetSample | undefined;

  constructor(
    options: FleetScanOptions,
    intervalMs: number,
    endpoint: EndpointOptions,
    events: ExporterEvents,
  ) {
    this.#server = metricsServer((format) => {
      if (!this.#sample) return null;
      this.#registries[format] ??= registryOf(this.#sample, { ...this.#state }, format);
      return this.#registries[format].metrics();
    }, endpoint);
    this.#scanner = new BackgroundScanner(options, intervalMs, {
      onSample: (sample) => {
        this.#state.scans++;
        this.#state.comparisons += sample.comparisons;
        this.#sample = sample;
        this.#registries = {};
      },
      onFailure: (reason, message) => {
        this.#state.failures.set(reason, (this.#state.failures.get(reason) ?? 0) + 1);
        this.#registries = {};
        events.onFailure(reason, message);
      },
      onCrash: (error) => events.onCrash(error),
    });
  }

  /** Listens, then starts scanning. Rejects with the listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port, exclusive: true }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#scanner.start();
    return this.#server.address() as AddressInfo;
  }

  /** Stops scanning (mid-scan too) and serving, dropping open connections. */
  async close(): Promise<void> {
    this.#server.close();
    this.#server.closeAllConnections();
    await this.#scanner.stop();
  }
}
