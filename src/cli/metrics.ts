/**
 * `kcmp metrics [-p PIDS | --tree PID] [--textfile PATH]`: one scan, printed in the Prometheus text format
 * the exporter serves — for node_exporter's textfile collector. With --textfile the file is replaced
 * atomically and safely in a directory other users may write (replace-file.ts): the collector never reads
 * a partial file, and root never writes through a link. The directory is opened before the scan, so a bad
 * path, or a target that is not a regular file, fails at once (and is checked again before the rename).
 *
 * On a terminal, label values (a comm, a unit name) are escaped as table cells are (cell-text.ts): a
 * process named "\e[2J" must not clear the screen. A file or a pipe gets the text format as it is, where
 * a label value may hold any UTF-8 but a backslash, a double quote and a newline, which it escapes.
 */
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { fleetScan } from '../inspect/fleet/fleet-scan.js';
import { escapeLines } from '../report/cell-text.js';
import { TargetDirectory } from '../util/replace-file.js';
import { EXIT } from './exit-codes.js';
import { type FleetFlags, fleetOptionsOf, withFleetOptions } from './fleet-options.js';
import { action, out } from './run.js';

interface MetricsFlags extends FleetFlags {
  textfile?: string;
}

const EXAMPLE = '/var/lib/node_exporter/textfile/kcmp.prom';

/** The directory (opened) and the file name of --textfile PATH. Throws for a path that names no file. */
function textfileTarget(path: string): { directory: TargetDirectory; name: string } {
  const name = basename(path);
  if (path === '' || path.endsWith('/') || name === '.' || name === '..') {
    const why = path === '' ? 'an empty path' : 'it names a directory, not a file';
    throw new InvalidArgumentError(`invalid --textfile ${JSON.stringify(path)}: ${why}`, {
      remedy: `give the file to replace, e.g. ${EXAMPLE}`,
    });
  }
  const directory = TargetDirectory.open(dirname(path));
  try {
    directory.checkReplaceable(name);
  } catch (error) {
    directory.close();
    throw error;
  }
  return { directory, name };
}

export function registerMetrics(program: Command): void {
  withFleetOptions(program.command('metrics'))
    .summary("print one scan's metrics (Prometheus text format), for node_exporter's textfile collector")
    .description(
      'Scan the selected processes (default: all) once and print the metrics `kcmp exporter` serves, in ' +
        'the Prometheus text format. With --textfile PATH, replace PATH atomically instead (temp file + ' +
        'rename in its directory).',
    )
    .option('--textfile <path>', `replace this regular file atomically (e.g. ${EXAMPLE})`)
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp metrics --tree $(pgrep -o nginx)\n' +
        '  kcmp metrics --textfile /var/lib/node_exporter/textfile/kcmp.prom   from a systemd timer or cron',
    )
    .action(
      action(async (flags: MetricsFlags) => {
        // Imported here, not above: prom-client is a quarter of the bin, which --help need not load.
        const { exporterState, renderSample } = await import('../serve/exporter.js');
        const options = fleetOptionsOf(flags);
        const target = flags.textfile === undefined ? undefined : textfileTarget(flags.textfile);
        try {
          const sample = await fleetScan(options);
          const state = { ...exporterState(), scans: 1, comparisons: sample.comparisons };
          const text = await renderSample(sample, state, 'prometheus');
          if (target) target.directory.replace(target.name, text);
          else out(process.stdout.isTTY ? escapeLines(text) : text);
        } finally {
          target?.directory.close();
        }
        return EXIT.OK;
      }),
    );
}
