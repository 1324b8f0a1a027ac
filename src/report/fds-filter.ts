/**
 * `kcmp fds -Q EXPR`, applied before output in every format: the table shows the rows (holders, error
 * rows) that match; JSON and the pictures show the descriptions one of whose rows matches — whole, with
 * every holder, because a description cut down to some holders would misstate who shares it — and the
 * error rows that match. The stats still count the whole scan.
 */
import type { FdsReport } from '../inspect/fds/fds-report.js';
import type { FdsRow } from './fds-table.js';
import type { RowFilter } from './filter.js';

export function filterFdsReport(report: FdsReport, filter: RowFilter<FdsRow>): FdsReport {
  const commands = new Map(report.processes.map((p) => [p.pid, p.command]));
  return {
    ...report,
    descriptions: report.descriptions.filter((description) =>
      description.holders.some((holder) => filter.test({ description, holder })),
    ),
    errors: report.errors.filter((error) => filter.test({ error, command: commands.get(error.pid) ?? '' })),
  };
}
