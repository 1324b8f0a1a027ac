/**
 * A scan that could read none of the selected processes has no answer: it says so in one line and exits
 * 2, instead of printing a table of ERROR rows and exiting 0 (a CI job would read that as "nothing found").
 * Used by fds and tasks.
 * JSON output still prints its document (the errors are in it) before the line.
 */
import { EXIT } from './exit-codes.js';
import { warn } from './run.js';

/**
 * Did the scan read nothing? No fd (or task) was found and some call failed, or a live process was missed
 * (reason `missed`). Other errors where no call failed (a zombie: `syscall` null) are facts about the
 * process, not failures to read it: a selection of zombies is answered (no fds), exit 0.
 */
export function readNothing(
  found: number,
  errors: readonly { syscall: string | null; reason?: string }[],
): boolean {
  return found === 0 && errors.some((e) => e.syscall !== null || e.reason === 'missed');
}

/** What makes an fd scan's report no answer for a process, in the words of its one line. */
const INEXACT: Readonly<Record<string, string>> = {
  missed: 'the scan missed a live process',
  'not-stopped': '--stop did not hold every process still',
};

/**
 * Returns EXIT.TROUBLE after one line when the report is no exact answer for some process: the scan
 * missed it (reason `missed`: none of its fds was read, yet /proc lists some), or --stop did not hold it
 * still (`not-stopped`: traced, or not stopped by the deadline; its fds were read while it ran). The full
 * report has been printed. EXIT.OK when neither happened.
 */
export function missedAny(errors: readonly { reason?: string; message: string }[]): number {
  for (const [reason, what] of Object.entries(INEXACT)) {
    const rows = errors.filter((e) => e.reason === reason);
    const first = rows[0];
    if (!first) continue;
    const more = rows.length > 1 ? ` (and ${rows.length - 1} more; -J lists them)` : '';
    warn(`${what}: ${first.message}${more}`);
    return EXIT.TROUBLE;
  }
  return EXIT.OK;
}

/** Returns EXIT.TROUBLE after the line: "could not read any of the 3 selected processes: …". */
export function nothingRead(processes: number, errors: readonly { message: string }[]): number {
  const first = errors[0]?.message ?? 'no process could be read';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors; -J lists them)` : '';
  const which = processes === 1 ? 'the selected process' : `any of the ${processes} selected processes`;
  warn(`could not read ${which}: ${first}${more}`);
  return EXIT.TROUBLE;
}
