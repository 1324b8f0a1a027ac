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

/**
 * Returns EXIT.TROUBLE after one line when the scan missed a live process (reason `missed`: none of its
 * fds was read, yet /proc lists some): the report is no answer for it. EXIT.OK when none was missed.
 */
export function missedAny(errors: readonly { reason?: string; message: string }[]): number {
  const missed = errors.filter((e) => e.reason === 'missed');
  const first = missed[0];
  if (!first) return EXIT.OK;
  const more = missed.length > 1 ? ` (and ${missed.length - 1} more; -J lists them)` : '';
  warn(`the scan missed a live process: ${first.message}${more}`);
  return EXIT.TROUBLE;
}

/** Returns EXIT.TROUBLE after the line: "could not read any of the 3 selected processes: …". */
export function nothingRead(processes: number, errors: readonly { message: string }[]): number {
  const first = errors[0]?.message ?? 'no process could be read';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors; -J lists them)` : '';
  const which = processes === 1 ? 'the selected process' : `any of the ${processes} selected processes`;
  warn(`could not read ${which}: ${first}${more}`);
  return EXIT.TROUBLE;
}
