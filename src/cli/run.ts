/**
 * How every subcommand runs: its output goes to stdout, each failure becomes ONE line on stderr
 * ("kcmp: what failed: why; remedy") and exit code 2. A stack trace only with --debug.
 *
 * stdout: a reader that went away (EPIPE: `kcmp fds | head`) ends the output quietly with the exit code
 * so far; any other write error (ENOSPC for `> /dev/full`, EIO for a hung-up terminal) is one line and
 * exit 2. A stdout the shell closed (`>&-`) is one line and exit 2 at the first output (stdoutClosed):
 * commands that print nothing (the exporter, `kcmp same -s`) are not concerned.
 */
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { remedyFor } from '../compare/remedies.js';
import { isKcmpError } from '../errors.js';
import { accessMode, readFdInfo } from '../procfs/fdinfo.js';
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

let stdoutChecked = false;
/** The output still being written, when a chunk waits for the reader: later output goes after it. */
let pending: Promise<void> | undefined;

/**
 * Writes to stdout: a string, or the chunks of a large output one by one, each produced only once the
 * one before it is written. stdout to a file or a terminal is written synchronously; to a pipe or a
 * socket Node writes what the kernel takes and queues the rest, so a chunk that stays queued (a slow
 * reader) waits for 'drain' before the next is produced: memory holds a chunk or two, never the
 * output. Resolves once all of it is handed to the kernel; output keeps its order across calls. A
 * closed pipe (`kcmp fds | head`) ends the output quietly; other write errors exit 2 (the 'error'
 * handler below), and so does a failure to produce a chunk once the output had to wait.
 */
export function out(text: string | Iterable<string>): Promise<void> {
  if (!stdoutChecked) {
    stdoutChecked = true;
    if (stdoutClosed()) {
      warn(
        'stdout is closed (>&-) or a read-write /dev/null: the output would be lost; to discard it, redirect it: > /dev/null',
      );
      process.exit(EXIT.TROUBLE);
    }
  }
  const chunks = (typeof text === 'string' ? [text] : text)[Symbol.iterator]();
  const rest = pending ? pending.then(() => write(chunks)) : write(chunks);
  if (rest === undefined) return Promise.resolve();
  const written: Promise<void> = rest.then(
    () => {
      if (pending === written) pending = undefined;
    },
    (error: unknown) => process.exit(fail(error)),
  );
  pending = written;
  return written;
}

/** Writes chunks while stdout takes them at once; the rest, once one has to wait for the reader. */
function write(chunks: Iterator<string>): Promise<void> | undefined {
  for (let next = chunks.next(); !next.done; next = chunks.next()) {
    if (process.stdout.destroyed) return undefined; // the reader went away: the error handler ends the run
    // false with nothing queued: a large chunk written synchronously (a file), nothing to wait for
    if (!process.stdout.write(next.value) && process.stdout.writableLength > 0)
      return once(process.stdout, 'drain').then(() => write(chunks));
  }
  return undefined;
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  // Node's message is "ENOSPC: no space left on device, write": keep the errno's meaning.
  const meaning = error.message.replace(/^E[A-Z0-9]+: /, '').replace(/, write$/, '');
  warn(`cannot write the output: write to stdout failed: ${error.code ?? 'error'} (${meaning})`);
  process.exit(EXIT.TROUBLE);
});
// A failing stderr cannot be reported anywhere: end with the error code rather than a trace.
process.stderr.on('error', () => process.exit(EXIT.TROUBLE));

/**
 * Whether the shell started us with stdout closed (`kcmp … >&-`). Node never shows a closed fd 0–2 to
 * JavaScript: at start-up it opens /dev/null read-write in its place (node.cc PlatformInit), so writes
 * would vanish with exit 0. That stand-in is recognised by its access mode: a shell's `> /dev/null`
 * opens write-only. A parent that hands us /dev/null opened read-write (libuv's stdio 'ignore', Python's
 * subprocess.DEVNULL) looks the same and is refused too: redirecting with `> /dev/null` is the remedy.
 */
export function stdoutClosed(): boolean {
  try {
    return (
      readlinkSync('/proc/self/fd/1') === '/dev/null' && accessMode(readFdInfo(process.pid, 1).flags) === 'rw'
    );
  } catch {
    return false; // no /proc: nothing to go by
  }
}
