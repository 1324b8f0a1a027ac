/** The util-linux ls* table options, shared by every subcommand that prints a table: -o, -r, -n, -H. */
import { type Command, Option } from 'commander';
import { type Columns, renderColumnJson, renderColumnList, type TableOptions } from '../report/table.js';
import { completes } from './completion-values.js';
import { out, terminalColumns } from './run.js';

export interface TableFlags {
  output?: string;
  raw?: boolean;
  noheadings?: boolean;
  listColumns?: boolean;
  notruncate?: boolean;
}

/** Adds the table options; `columns`: the names -o accepts, for shell completion. */
export function withTableOptions(command: Command, columns: readonly string[]): Command {
  return command
    .addOption(
      completes(new Option('-o, --output <list>', 'columns to show; +LIST appends to the defaults'), {
        words: columns,
        list: true,
      }),
    )
    .option('-r, --raw', 'raw output: one space between cells, unsafe characters escaped')
    .option('-n, --noheadings', 'do not print the column headings')
    .option(
      '-u, --notruncate',
      'on a terminal, cut nothing to fit its width (else lists and CMDLINE give way first, NAME keeps 24 columns)',
    )
    .option('-H, --list-columns', 'list the available columns and exit');
}

/** Handles -H (with -J: as a JSON array of {name, type, help}): prints the columns and returns true, or
 * returns false when not asked. */
export function listedColumns<R>(flags: TableFlags & { json?: boolean }, columns: Columns<R>): boolean {
  if (flags.listColumns) out(flags.json ? renderColumnJson(columns) : renderColumnList(columns));
  return flags.listColumns === true;
}

/**
 * The table options of the flags; cells are cut to the terminal's width only on a terminal (as lsfd), and
 * only when the terminal says how wide it is: a pty whose size was never set reports 0 columns.
 */
export function tableOptionsOf(flags: TableFlags): TableOptions {
  const width = terminalColumns();
  const fit = width > 0 && !flags.raw && !flags.notruncate;
  return { raw: flags.raw, noHeadings: flags.noheadings, fitWidth: fit ? width : undefined };
}
