/** The one-line warning for an error row of a scan: its message — which names the process, the call, the
 * errno and its meaning — then ", skipping" unless the row leaves nothing out. */
import { omitsNothing } from '../inspect/fds/fds-problems.js';
import type { ScanError } from '../inspect/fds/fds-report.js';

export function scanErrorLine(e: ScanError): string {
  return `${e.message}${omitsNothing(e) ? '' : ', skipping'}`;
}

/**
 * The warnings for a scan's error rows: a line per row, except for a process the user did not ask about
 * (`asked(pid)` false), whose rows are one line in all: the row that stands for the most fds (`fds`, else
 * the first), then how many more rows -J lists.
 */
export function scanErrorLines(
  errors: readonly (ScanError & { fds?: number })[],
  asked: (pid: number) => boolean,
): string[] {
  const about = new Map<number, (ScanError & { fds?: number })[]>();
  const lines: (string | number)[] = [];
  for (const e of errors) {
    if (asked(e.pid)) lines.push(scanErrorLine(e));
    else if (about.has(e.pid)) about.get(e.pid)?.push(e);
    else {
      about.set(e.pid, [e]);
      lines.push(e.pid);
    }
  }
  return lines.map((line) => {
    if (typeof line === 'string') return line;
    const rows = about.get(line) as (ScanError & { fds?: number })[];
    const main = rows.reduce((best, e) => ((e.fds ?? 0) > (best.fds ?? 0) ? e : best));
    const more = rows.length - 1;
    return more === 0
      ? scanErrorLine(main)
      : `${scanErrorLine(main)} (and ${more === 1 ? '1 more error' : `${more} more errors`} about process ${line}; -J lists them)`;
  });
}
