/**
 * lsfd's row filter and counters, for the scanning subcommands: -Q/--filter EXPR (the rows to show, in
 * every format), -C/--counter LABEL:EXPR (repeatable) and --summary[=only|append|never].
 */
import { type Command, Option } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { type Counter, parseCounter } from '../report/counters.js';
import { compileFilter, type RowFilter } from '../report/filter.js';
import { FilterSyntaxError } from '../report/filter-parse.js';
import type { Columns } from '../report/table.js';
import { completes } from './completion-values.js';

export interface FilterFlags {
  filter?: string;
  counter?: string[];
  summary?: string | true;
}

const SUMMARY_MODES = ['only', 'append', 'never'] as const;
export type SummaryMode = (typeof SUMMARY_MODES)[number];

export function withFilterOptions(command: Command): Command {
  return command
    .option('-Q, --filter <expr>', 'only rows matching EXPR, e.g. "SOCK.STATE == \'LISTEN\' and PID != 1"')
    .option(
      '-C, --counter <label:expr>',
      'count the rows matching EXPR in the summary (repeatable; implies --summary=append)',
      (spec: string, all: string[] = []) => [...all, spec],
    )
    .addOption(
      completes(new Option('--summary [when]', 'counters and totals: only (default), append, or never'), {
        words: SUMMARY_MODES,
      }),
    );
}

export interface RowSelection<R> {
  filter?: RowFilter<R>;
  counters: Counter<R>[];
  /** undefined: the command's default (the table, then its one-line totals). */
  summary?: SummaryMode;
  /** Columns the filter and counters read: their sources must be read. */
  columns: string[];
}

/** An expression error names its option: "-Q: invalid expression: … at character 5: PID >>>=== 1". */
function named<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      throw new InvalidArgumentError(`${option}: ${error.message}`, { cause: error });
    throw error;
  }
}

export function rowSelectionOf<R>(flags: FilterFlags, columns: Columns<R>): RowSelection<R> {
  const text = flags.filter;
  const filter = text === undefined ? undefined : named('-Q', () => compileFilter(text, columns));
  const counters = (flags.counter ?? []).map((spec) =>
    named(`-C ${spec.split(':')[0]}`, () => parseCounter(spec, columns)),
  );
  let summary: SummaryMode | undefined;
  if (flags.summary === true) summary = 'only';
  else if (flags.summary !== undefined) {
    if (!(SUMMARY_MODES as readonly string[]).includes(flags.summary))
      throw new InvalidArgumentError(
        `invalid --summary ${JSON.stringify(flags.summary)}: only, append or never`,
      );
    summary = flags.summary as SummaryMode;
  } else if (counters.length > 0) summary = 'append';
  const used = [...(filter?.columns ?? []), ...counters.flatMap((c) => c.filter.columns)];
  return {
    ...(filter && { filter }),
    counters,
    ...(summary && { summary }),
    columns: [...new Set(used)],
  };
}
