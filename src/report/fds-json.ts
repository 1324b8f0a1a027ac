/**
 * `kcmp fds --json`: the kcmp.fds/1 document (src/inspect/fds-report.ts), exactly. Compact, but each
 * process, description and error on a line of its own: greppable and diffable, and a 50,000-fd report is
 * not inflated by indentation.
 */
import type { FdsReport } from '../inspect/fds-report.js';

export function renderFdsJson(report: FdsReport): string {
  const list = (items: readonly unknown[]) =>
    items.length === 0 ? '[]' : `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]`;
  return (
    `{"schema":${JSON.stringify(report.schema)},\n` +
    `"processes":${list(report.processes)},\n` +
    `"descriptions":${list(report.descriptions)},\n` +
    `"errors":${list(report.errors)},\n` +
    `"stats":${JSON.stringify(report.stats)}}\n`
  );
}
