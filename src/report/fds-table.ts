/**
 * `kcmp fds` as a table: one row per holder, the holders of one description together, then one row per
 * error (TYPE=ERROR, NAME=syscall:ERRNO, as lsfd shows them), then a one-line summary. Every column is
 * declared once here; -o, --list-columns and what needs fdinfo all derive from FDS_COLUMNS.
 */
import type { Description, FdsReport, FdsStats, Holder, ScanError } from '../inspect/fds/fds-report.js';
import { accessMode, flagNames } from '../procfs/fdinfo.js';
import { type Column, renderTable, type TableOptions } from './table.js';

export type FdsRow =
  | { description: Description; holder: Holder; error?: undefined }
  | { error: ScanError; command: string; description?: undefined; holder?: undefined };

type FdsColumn = Column<FdsRow> & { fdinfo?: true };

/** A cell from the description and holder of a row, or from its error (empty by default). */
const h = <V>(get: (d: Description, h: Holder) => V, orError: (e: ScanError) => V | null = () => null) => {
  return (row: FdsRow) => (row.error ? orError(row.error) : get(row.description, row.holder));
};

/** A field holders and error rows both have. */
const both = (key: 'pid' | 'fd') => (row: FdsRow) => (row.error ? row.error[key] : row.holder[key]);

export const FDS_COLUMNS = {
  DESC: {
    help: 'open file description id (d1, d2, … in this report); d7? = uncertain (see CERTAIN)',
    json: 'string',
    get: h((d) => (d.certain ? d.id : `${d.id}?`)),
  },
  PID: { help: 'process ID', json: 'number', align: 'right', get: both('pid') },
  TID: {
    help: 'thread ID, when the fd table was read through a thread',
    json: 'number',
    align: 'right',
    get: h(
      (_, x) => x.tid ?? null,
      (e) => e.tid ?? null,
    ),
  },
  COMMAND: {
    help: 'command of the process',
    json: 'string',
    get: (row) => (row.error ? row.command : row.holder.command),
  },
  FD: { help: 'file descriptor number', json: 'number', align: 'right', get: both('fd') },
  TYPE: {
    help: 'file type: REG, DIR, FIFO, SOCK, CHR, BLK, eventfd, pidfd, …; ERROR for an error row',
    json: 'string',
    get: h(
      (d) => d.type,
      () => 'ERROR',
    ),
  },
  MODE: {
    help: 'access mode: r, w, rw, or - (O_PATH)',
    json: 'string',
    fdinfo: true,
    get: h((_, x) => (x.flags === undefined ? null : accessMode(x.flags))),
  },
  POS: {
    help: 'file position (moves under a running process)',
    json: 'number',
    align: 'right',
    fdinfo: true,
    get: h((_, x) => x.pos ?? null),
  },
  FLAGS: {
    help: 'open flags beyond the access mode; cloexec is per fd',
    json: 'string',
    fdinfo: true,
    get: h((_, x) => (x.flags === undefined ? null : flagNames(x.flags, x.cloexec ?? false))),
  },
  MNTID: {
    help: 'mount id (fdinfo mnt_id)',
    json: 'number',
    align: 'right',
    fdinfo: true,
    get: h((_, x) => x.mntId ?? null),
  },
  DEV: { help: 'device of the file, major:minor', json: 'string', get: h((d) => d.dev) },
  INODE: { help: 'inode number of the file', json: 'number', align: 'right', get: h((d) => d.ino) },
  NAME: {
    help: 'file name, or pipe:[ino], socket:[ino], anon_inode:[…]; syscall:ERRNO for an error row',
    json: 'string',
    truncate: true,
    get: h(
      (d) => d.name,
      (e) => (e.errno === null ? (e.reason ?? null) : `${e.syscall}:${e.errno}`),
    ),
  },
  METHOD: {
    help: 'how the holders were grouped: kcmp, borrowed-dupfd-query, socket-inode, different-inode, none',
    json: 'string',
    get: h((d) => d.method),
  },
  CERTAIN: {
    help: 'false: could not be told apart from other uncertain descriptions of the same inode',
    json: 'boolean',
    get: h((d) => d.certain),
  },
  HOLDERS: {
    help: 'number of fds holding the description',
    json: 'number',
    align: 'right',
    get: h((d) => d.holders.length),
  },
  MESSAGE: {
    help: 'what an error row means',
    json: 'string',
    get: h(
      () => null,
      (e) => e.message,
    ),
  },
} satisfies Record<string, FdsColumn>;

export type FdsColumnName = keyof typeof FDS_COLUMNS;

export const FDS_DEFAULT_COLUMNS: readonly FdsColumnName[] = [
  'DESC',
  'PID',
  'COMMAND',
  'FD',
  'TYPE',
  'MODE',
  'POS',
  'NAME',
];

/** Do these columns need fdinfo to be read? */
export function needsFdinfo(names: readonly string[]): boolean {
  return names.some((n) => (FDS_COLUMNS as Record<string, FdsColumn>)[n]?.fdinfo === true);
}

export function fdsRows(report: FdsReport): FdsRow[] {
  const rows: FdsRow[] = [];
  for (const description of report.descriptions) {
    for (const holder of description.holders) rows.push({ description, holder });
  }
  const commands = new Map(report.processes.map((p) => [p.pid, p.command]));
  for (const error of report.errors) rows.push({ error, command: commands.get(error.pid) ?? '' });
  return rows;
}

export function renderFdsTable(
  report: FdsReport,
  columns: readonly string[],
  options: TableOptions,
): Iterable<string> {
  return renderTable(fdsRows(report), FDS_COLUMNS, columns, options);
}

/**
 * "5 processes, 50000 fds in 27560 descriptions (4924 shared), 0 errors, 246020 kcmp calls, 0.78 s";
 * `unit` names what `comparisons` counted ("comparison" when --borrow stood in for kcmp).
 */
export function fdsSummary(stats: FdsStats, unit = 'kcmp call'): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return (
    `${plural(stats.processes, 'process', 'processes')}, ${plural(stats.fds, 'fd')} in ` +
    `${plural(stats.descriptions, 'description')} (${stats.shared} shared), ${plural(stats.errors, 'error')}, ` +
    `engine ${stats.engine}, ${plural(stats.comparisons, unit)}, ${(stats.elapsedMs / 1000).toFixed(2)} s`
  );
}

/** The line that explains the "?" of uncertain descriptions, or '' when every listed one is certain. */
export function fdsFootnote(report: FdsReport): string {
  if (report.descriptions.every((d) => d.certain)) return '';
  return (
    '?: uncertain: some fds of this file could not be compared (kcmp unavailable or refused, see the ' +
    'ERROR rows); fds listed together do share one description, fds listed apart may share one too: ' +
    'nothing is merged on a guess\n'
  );
}
