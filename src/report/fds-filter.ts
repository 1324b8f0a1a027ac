/**
 * `kcmp fds -Q EXPR`, applied before output in every format: the table shows the rows (holders, error
 * rows) that match; JSON and the pictures show the descriptions one of whose rows matches — whole, with
 * every holder, because a description cut down to some holders would misstate who shares it — and the
 * error rows that match. The stats still count the whole scan.
 */
import type { FdsReport } from '../inspect/fds/fds-report.js';
import type { ProcessDetails } from '../procfs/process-details.js';
import { type FdsRow, rowMaker } from './fds-table.js';
import type { RowFilter } from './filter.js';

/** `details`: the user and command line of each process, when the filter uses a column that shows them. */
export function filterFdsReport(
  report: FdsReport,
  filter: RowFilter<FdsRow>,
  details?: ReadonlyMap<number, ProcessDetails>,
): FdsReport {
  const row = rowMaker(report, details);
  return {
    ...report,
    descriptions: report.descriptions.filter((description) =>
      description.holders.some((holder) => filter.test(row.holder(description, holder))),
    ),
    errors: report.errors.filter((error) => filter.test(row.error(error))),
  };
}
