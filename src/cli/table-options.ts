/** The util-linux ls* table options, shared by every subcommand that prints a table: -o, -r, -n, -H. */
import type { Command } from 'commander';
import { type Columns, renderColumnList, type TableOptions } from '../report/table.js';
import { out } from './run.js';

export interface TableFlags {
  output?: string;
  raw?: boolean;
  noheadings?: boolean;
  listColumns?: boolean;
}

export function withTableOptions(command: Command): Command {
  return command
    .option('-o, --output <list>', 'columns to show; +LIST appends to the defaults')
    .option('-r, --raw', 'raw output: one space between cells, unsafe characters escaped')
    .option('-n, --noheadings', 'do not print the column headings')
    .option('-H, --list-columns', 'list the available columns and exit');
}

/** Handles -H: prints the columns and returns true, or returns false when not asked. */
export function listedColumns<R>(flags: TableFlags, columns: Columns<R>): boolean {
  if (flags.listColumns) out(renderColumnList(columns));
  return flags.listColumns === true;
}

export function tableOptionsOf(flags: TableFlags): TableOptions {
  return { raw: flags.raw, noHeadings: flags.noheadings };
}
