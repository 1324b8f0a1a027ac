/**
 * `--summary` counters, as lsfd's: how many rows match each `-C LABEL:EXPR` (an expression of the -Q
 * language), or, without -C, one counter per TYPE. Printed as a VALUE COUNTER table.
 */
import { InvalidArgumentError } from '../errors.js';
import { compileFilter, type RowFilter } from './filter.js';
import { type Columns, renderTable } from './table.js';

export interface Counter<R> {
  label: string;
  filter: RowFilter<R>;
}

/** Parses "LABEL:EXPR" (the label may not contain ':' or '{', as in lsfd). */
export function parseCounter<R>(spec: string, columns: Columns<R>): Counter<R> {
  const colon = spec.indexOf(':');
  const label = spec.slice(0, colon);
  if (colon <= 0 || label.includes('{')) {
    throw new InvalidArgumentError(
      `invalid -C ${JSON.stringify(spec)}: expected LABEL:EXPR, e.g. "tcp:SOCK.PROTONAME == 'TCP'"`,
    );
  }
  return { label, filter: compileFilter(spec.slice(colon + 1), columns) };
}

type CountRow = { value: number; label: string };
const COUNT_COLUMNS: Columns<CountRow> = {
  VALUE: { help: 'rows counted', json: 'number', align: 'right', get: (r) => r.value },
  COUNTER: { help: 'counter label', json: 'string', get: (r) => r.label },
};

/** The counters table; without counters, one per value of `byDefault` (TYPE), in first-seen order. */
export function renderCounters<R>(
  rows: readonly R[],
  counters: readonly Counter<R>[],
  byDefault: (row: R) => string,
): Iterable<string> {
  let counts: CountRow[];
  if (counters.length > 0) {
    counts = counters.map((c) => ({ label: c.label, value: rows.filter((r) => c.filter.test(r)).length }));
  } else {
    const byLabel = new Map<string, number>();
    for (const r of rows) byLabel.set(byDefault(r), (byLabel.get(byDefault(r)) ?? 0) + 1);
    counts = [...byLabel].map(([label, value]) => ({ label, value }));
  }
  return renderTable(counts, COUNT_COLUMNS, ['VALUE', 'COUNTER']);
}
