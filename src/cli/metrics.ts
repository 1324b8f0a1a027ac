/**
 * `kcmp metrics [-p PIDS | --tree PID] [--textfile PATH]`: one scan, printed in the Prometheus text format
 * the exporter serves — for node_exporter's textfile collector. With --textfile the file is replaced
 * atomically: written to a temporary file in the same directory, then renamed over it, so the collector
 * never reads a partial file.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { fleetScan } from '../inspect/fleet/fleet-scan.js';
import { EXIT } from './exit-codes.js';
import { type FleetFlags, fleetOptionsOf, withFleetOptions } from './fleet-options.js';
import { action, out } from './run.js';

interface MetricsFlags extends FleetFlags {
  textfile?: string;
}

/** Writes `text` to `path` by temp + rename: readers see the old file or the new one, never a part. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function registerMetrics(program: Command): void {
  withFleetOptions(program.command('metrics'))
    .summary("print one scan's metrics (Prometheus text format), for node_exporter's textfile collector")
    .description(
      'Scan the selected processes (default: all) once and print the metrics `kcmp exporter` serves, in ' +
        'the Prometheus text format. With --textfile PATH, replace PATH atomically instead (temp file + ' +
        'rename in its directory).',
    )
    .option(
      '--textfile <path>',
      'write to this file atomically (e.g. /var/lib/node_exporter/textfile/kcmp.prom)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp metrics --tree $(pgrep -o nginx)\n' +
        '  kcmp metrics --textfile /var/lib/node_exporter/textfile/kcmp.prom   from a systemd timer or cron',
    )
    .action(
      action(async (flags: MetricsFlags) => {
        // Imported here, not above: prom-client is a quarter of the bin, which --help need not load.
        const { exporterState, renderSample } = await import('../serve/exporter.js');
        const sample = await fleetScan(fleetOptionsOf(flags));
        const state = { ...exporterState(), scans: 1, comparisons: sample.comparisons };
        const text = await renderSample(sample, state, 'prometheus');
        if (flags.textfile === undefined) out(text);
        else writeAtomically(flags.textfile, text);
        return EXIT.OK;
      }),
    );
}
