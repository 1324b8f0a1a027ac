/** The one-line warning for an error row of a scan: its message — which names the process, the call, the
 * errno and its meaning — then ", skipping" unless the row leaves nothing out. */
import { omitsNothing } from '../inspect/fds/fds-problems.js';
import type { ScanError } from '../inspect/fds/fds-report.js';

export function scanErrorLine(e: ScanError): string {
  return `${e.message}${omitsNothing(e) ? '' : ', skipping'}`;
}
