/**
 * `kcmp fds -D`: the description view, what a reader wants first on a big tree — one row per open file
 * description, its holders summarised by process in HELDBY ("961 myserver: master fd 3; 40 × myserver:
 * worker fd 3"), then the error rows (HELDBY names their process). The per-fd table stays the default, as
 * lsfd's, and JSON is the same document in either view.
 *
 * Its columns are FDS_COLUMNS less those of one fd or process (`perFd`: PID, FD, COMMAND, FLAGS, …). MODE,
 * POS and MNTID are the description's own (one struct file's f_mode, f_pos and mount), read from its first
 * holder whose fdinfo was read. -Q keeps a description when a row of one of its fds matches (as -J does),
 * whole; -C and --summary count fds in either view.
 */
import { InvalidArgumentError } from '../errors.js';
import type { FdsReport } from '../inspect/fds/fds-report.js';
import type { ProcessDetails } from '../procfs/process-details.js';
import { FDS_COLUMNS, type FdsColumnName, type FdsRow, rowMaker } from './fds-table.js';
import { type Columns, renderTable, selectColumns, type TableOptions } from './table.js';

export const DESCRIPTION_COLUMNS: Columns<FdsRow> = Object.fromEntries(
  Object.entries(FDS_COLUMNS).filter(([, c]) => !('perFd' in c)),
);

export const DESCRIPTION_DEFAULT_COLUMNS: readonly FdsColumnName[] = [
  'DESC',
  'TYPE',
  'MODE',
  'NAME',
  'HELDBY',
];

/** Parses -o for the description view; a column of one fd is an error that says where to find it. */
export function descriptionColumns(spec?: string): string[] {
  const names = selectColumns(FDS_COLUMNS, DESCRIPTION_DEFAULT_COLUMNS, spec);
  const perFd = names.filter((n) => !Object.hasOwn(DESCRIPTION_COLUMNS, n));
  if (perFd.length > 0) {
    throw new InvalidArgumentError(
      `-o ${perFd.join(',')} with -D: ${perFd.length === 1 ? 'a column' : 'columns'} of one fd, not of a ` +
        'description: HELDBY lists the processes and fds of each; drop -D for one row per fd',
    );
  }
  return names;
}

/** One row per description (its first holder with fdinfo stands for it), then one per error. */
export function descriptionRows(report: FdsReport, details?: ReadonlyMap<number, ProcessDetails>): FdsRow[] {
  const row = rowMaker(report, details);
  const rows: FdsRow[] = [];
  for (const d of report.descriptions) {
    const first = d.holders.find((x) => x.flags !== undefined) ?? d.holders[0];
    if (first) rows.push(row.holder(d, first));
  }
  for (const error of report.errors) rows.push(row.error(error));
  return rows;
}

/** The description view of `report` (filtered by -Q already); `details` by pid when a column needs them. */
export function renderDescriptionTable(
  report: FdsReport,
  columns: readonly string[],
  options: TableOptions,
  details?: ReadonlyMap<number, ProcessDetails>,
): Iterable<string> {
  return renderTable(descriptionRows(report, details), DESCRIPTION_COLUMNS, columns, options);
}
