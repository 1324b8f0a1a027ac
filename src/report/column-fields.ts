/**
 * `-J -o LIST`, for every command with a table: each listed column that the JSON document leaves out is
 * added to the object its row comes from (a holder, a task, a leak, an epoll target), under the column's
 * `field`, with the value its table cell shows and the type --list-columns gives it. A column without a
 * `field` is in the document already.
 */
import type { Column } from './table.js';

/** A column the JSON leaves out unless -o names it: then added under `field`. */
export type FieldColumn<R> = Column<R> & { field?: string };

/** Adds the `field` of each of `names` to the object of each row (`objectOf`; undefined: none, e.g. an
 * error row). Null cells (nothing known) add nothing. */
export function addColumnFields<R>(
  columns: Record<string, FieldColumn<R>>,
  names: readonly string[],
  rows: Iterable<R>,
  objectOf: (row: R) => object | undefined,
): void {
  const added = names
    .map((n) => columns[n])
    .filter((c): c is FieldColumn<R> & { field: string } => c?.field !== undefined);
  if (added.length === 0) return;
  for (const row of rows) {
    const target = objectOf(row) as Record<string, unknown> | undefined;
    if (!target) continue;
    for (const c of added) {
      const value = c.get(row);
      if (value !== null) target[c.field] = value;
    }
  }
}
