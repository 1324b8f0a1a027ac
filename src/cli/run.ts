/**
 * How every subcommand runs: its output goes to stdout, each failure becomes ONE line on stderr
 * ("kcmp: what failed: why; remedy") and exit code 2. A stack trace only with --debug.
 */
import { remedyFor } from '../compare/remedies.js';
import { isKcmpError } from '../errors.js';
import { escapeCell } from '../report/cell-text.js';
import { SysError } from '../sys/sys-error.js';
import { EXIT } from './exit-codes.js';

let debugEnabled = false;

export function setDebug(on: boolean): void {
  debugEnabled = on;
}

export function isDebug(): boolean {
  return debugEnabled;
}

/** One line for an error: the message, then its remedy. */
export function errorLine(error: unknown): string {
  if (isKcmpError(error)) {
    const remedy = error.remedy ?? (error instanceof SysError ? remedyFor(error) : undefined);
    return remedy ? `${error.message}; ${remedy}` : error.message;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `internal error: ${message.split('\n')[0]} (please report it; --debug shows where)`;
}

/** One line on stderr, escaped as table cells are: a message may quote a file name or a comm. */
export function warn(message: string): void {
  process.stderr.write(`kcmp: ${escapeCell(message)}\n`);
}

export function fail(error: unknown): number {
  warn(errorLine(error));
  if (debugEnabled && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return EXIT.TROUBLE;
}

/** Wraps an action: its return value is the exit code; anything thrown is reported by `fail`. */
export function action<A extends unknown[]>(
  body: (...args: A) => number | Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = await body(...args);
    } catch (error) {
      code = fail(error);
    }
    process.exitCode = code;
  };
}

/**
 * Writes to stdout: a string, or the chunks of a large output one by one (stdout to a file, pipe or
 * terminal is written synchronously on Linux, so no chunk waits in memory). A closed pipe
 * (`kcmp fds | head`) ends the output quietly.
 */
export function out(text: string | Iterable<string>): void {
  if (typeof text === 'string') process.stdout.write(text);
  else for (const chunk of text) process.stdout.write(chunk);
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
