/**
 * `kcmp fds --json`: the kcmp.fds/1 document (src/inspect/fds/fds-report.ts), exactly. Compact, but each
 * process, description and error on a line of its own: greppable and diffable, and a 50,000-fd report is
 * not inflated by indentation. Handed out in chunks of elements, so a million-fd report is never one
 * string. Names that are not valid UTF-8 get `*Bytes` fields (json-text.ts).
 */
import type { FdsReport } from '../inspect/fds/fds-report.js';
import { stringifyLossless } from './json-text.js';

/** Elements per chunk. */
const CHUNK = 1000;

export function* renderFdsJson(report: FdsReport): Generator<string> {
  yield `{"schema":${JSON.stringify(report.schema)},\n"processes":`;
  yield* lines(report.processes, 'pid');
  yield ',\n"descriptions":';
  yield* lines(report.descriptions, 'id');
  yield ',\n"errors":';
  yield* lines(report.errors, 'pid');
  yield `,\n"stats":${JSON.stringify(report.stats)}}\n`;
}

/**
 * One JSON array, an element per line. Each chunk of elements is stringified whole (one native call, not
 * one per element) and split where an element begins: at `},{"KEY":` for the element's first key — which
 * cannot occur inside a string (its quotes would be escaped) nor between nested objects that lack that key.
 */
function* lines(items: readonly object[], firstKey: string): Generator<string> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  for (let start = 0; start < items.length; start += CHUNK) {
    const json = stringifyLossless(items.slice(start, start + CHUNK));
    const body = json.slice(1, -1).replaceAll(`},{"${firstKey}":`, `},\n{"${firstKey}":`);
    yield `${start === 0 ? '[\n' : ',\n'}${body}`;
  }
  yield '\n]';
}
