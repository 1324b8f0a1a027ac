/**
 * `kcmp fds --json`: the kcmp.fds/1 document (src/inspect/fds/fds-report.ts), exactly. Compact, but each
 * process, description and error on a line of its own: greppable and diffable, and a 50,000-fd report is
 * not inflated by indentation.
 */
import type { FdsReport } from '../inspect/fds/fds-report.js';

export function renderFdsJson(report: FdsReport): string {
  return (
    `{"schema":${JSON.stringify(report.schema)},\n` +
    `"processes":${lines(report.processes, 'pid')},\n` +
    `"descriptions":${lines(report.descriptions, 'id')},\n` +
    `"errors":${lines(report.errors, 'pid')},\n` +
    `"stats":${JSON.stringify(report.stats)}}\n`
  );
}

/**
 * One JSON array, an element per line. The array is stringified whole (one native call, not one per
 * element) and split where an element begins: at `},{"KEY":` for the element's first key — which cannot
 * occur inside a string (its quotes would be escaped) nor between nested objects that lack that key.
 */
function lines(items: readonly object[], firstKey: string): string {
  if (items.length === 0) return '[]';
  const json = JSON.stringify(items);
  return `[\n${json.slice(1, -1).replaceAll(`},{"${firstKey}":`, `},\n{"${firstKey}":`)}\n]`;
}
