/**
 * The USER, UID and CMDLINE columns, declared once for every table with a process per row (fds, tasks).
 * Their values come from /proc/PID/status and cmdline (procfs/process-details.ts), which the command reads
 * only when one of these columns is shown (`needsDetails`).
 */
import type { ProcessDetails } from '../procfs/process-details.js';
import type { Column } from './table.js';

export type DetailColumn<R> = Column<R> & { details: true; field: keyof ProcessDetails };

export function detailColumns<R>(of: (row: R) => ProcessDetails | undefined) {
  return {
    USER: {
      help: 'effective user of the process (name, or the number without one)',
      json: 'string',
      details: true,
      field: 'user',
      get: (row) => of(row)?.user ?? null,
    },
    UID: {
      help: 'effective user ID of the process',
      json: 'number',
      align: 'right',
      details: true,
      field: 'uid',
      get: (row) => of(row)?.uid ?? null,
    },
    CMDLINE: {
      help: 'command line of the process (its arguments, space separated)',
      json: 'string',
      details: true,
      truncate: 'early',
      field: 'cmdline',
      get: (row) => of(row)?.cmdline ?? null,
    },
  } satisfies Record<string, DetailColumn<R>>;
}

/** Do these columns need the user and command line of each process? */
export function needsDetails(
  columns: Record<string, Column<never> & { details?: true }>,
  names: readonly string[],
): boolean {
  return names.some((n) => columns[n]?.details === true);
}
