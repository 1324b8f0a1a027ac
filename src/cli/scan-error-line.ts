/** The one-line warning for an error row of a scan: "PID[:FD]: SYSCALL: ERRNO: message, skipping" (without
 * "skipping" for a row that leaves nothing out). */
import { omitsNothing } from '../inspect/fds/fds-problems.js';
import type { ScanError } from '../inspect/fds/fds-report.js';

export function scanErrorLine(e: ScanError): string {
  const what = e.errno === null ? e.reason : `${e.syscall}: ${e.errno}`;
  return `${e.pid}${e.fd === null ? '' : `:${e.fd}`}: ${what}: ${e.message}${omitsNothing(e) ? '' : ', skipping'}`;
}
