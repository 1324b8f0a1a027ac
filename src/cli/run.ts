/**
 * How every subcommand runs: its output goes to stdout, each failure becomes ONE line on stderr
 * ("kcmp: what failed: why; remedy") and exit code 2. A stack trace only with --debug.
 *
 * stdout: a reader that went away (EPIPE: `kcmp fds | head`; ECONNRESET) ends the output quietly with
 * the exit code so far; any other write error (ENOSPC for `> /dev/full`, EIO for a hung-up terminal) is
 * one line and exit 2. A stdout the shell closed (`>&-`) is one line and exit 2 at the first output
 * (stdoutClosed): commands that print nothing (the exporter, `kcmp same -s`) are not concerned.
 */
import { once } from 'node:events';
import { fstatSync, readlinkSync, writeSync } from 'node:fs';
import { remedyFor } from '../compare/remedies.js';
import { isKcmpError } from '../errors.js';
import { accessMode, readFdInfo } from '../procfs/fdinfo.js';
import { devMajor } from '../procfs/fds.js';
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
  stderr().write(`kcmp: ${escapeCell(message)}\n`);
}

let stderrWatched = false;
/** process.stderr, built at first use (see `out`), ending the run when it fails: a failing stderr cannot be
 * reported anywhere, so the exit code says it rather than a trace. */
function stderr(): NodeJS.WriteStream {
  if (!stderrWatched) {
    stderrWatched = true;
    process.stderr.on('error', () => process.exit(EXIT.TROUBLE));
  }
  return process.stderr;
}

export function fail(error: unknown): number {
  warn(errorLine(error));
  if (debugEnabled && error instanceof Error && error.stack) stderr().write(`${error.stack}\n`);
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
/** Whether output still goes to fd 1 by write(2) (below), not yet through process.stdout. */
let direct = true;

/**
 * Writes to stdout: a string, or the chunks of a large output one by one, each produced only once the
 * one before it is written. Resolves once all of it is handed to the kernel; output keeps its order
 * across calls. A closed pipe (`kcmp fds | head`) ends the output quietly; other write errors exit 2
 * (`stdoutFailed`), and so does a failure to produce a chunk once the output had to wait.
 *
 * Each chunk is written to fd 1 with write(2), not through process.stdout: Node builds its stream stack at
 * the first use of process.stdout (node:stream and some thirty internal modules, which V8 cannot take from
 * Node's embedded code cache under the bin's heap flag: ~7 ms of a short command). A blocking fd 1 (a
 * file, a terminal, a pipe as a shell makes it) takes every byte or fails. A pipe whose open file
 * description is non-blocking — O_NONBLOCK belongs to the description, set by whoever made it, e.g. a Node
 * parent, and kcmp never changes it — answers EAGAIN when full: from then on the rest goes through
 * process.stdout, which queues what the kernel does not take, so a chunk that stays queued (a slow reader)
 * waits for 'drain' before the next is produced: memory holds a chunk or two, never the output.
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
    const left = direct ? writeDirect(next.value) : next.value;
    if (left === undefined) continue;
    direct = false;
    const stream = stdout();
    if (stream.destroyed) return undefined; // the reader went away: stdoutFailed ends the run
    // false with nothing queued: a large chunk written synchronously (a file), nothing to wait for
    if (!stream.write(left) && stream.writableLength > 0)
      return once(stream, 'drain').then(() => write(chunks));
  }
  return undefined;
}

/** Writes `text` to fd 1; what is left unwritten when fd 1 would block (EAGAIN), or undefined. */
function writeDirect(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'utf8');
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(1, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') return bytes.subarray(done);
      if (code !== 'EINTR') stdoutFailed(error as NodeJS.ErrnoException);
    }
  }
  return undefined;
}

let stdoutWatched = false;
/** process.stdout, built at first use, its errors ending the run as a direct write's do. */
function stdout(): NodeJS.WriteStream {
  if (!stdoutWatched) {
    stdoutWatched = true;
    process.stdout.on('error', stdoutFailed);
  }
  return process.stdout;
}

/**
 * A failed write to stdout: a reader that went away ends the run quietly, anything else in one line. Gone
 * is EPIPE, or ECONNRESET where stdout is a socket (a parent's stdio 'pipe' is a socketpair) whose reader
 * closed it with data unread.
 */
function stdoutFailed(error: NodeJS.ErrnoException): never {
  if (error.code === 'EPIPE' || error.code === 'ECONNRESET') process.exit(process.exitCode ?? 0);
  // Node's message is "ENOSPC: no space left on device, write": keep the errno's meaning.
  const meaning = error.message.replace(/^E[A-Z0-9]+: /, '').replace(/, write$/, '');
  warn(`cannot write the output: write to stdout failed: ${error.code ?? 'error'} (${meaning})`);
  process.exit(EXIT.TROUBLE);
}

/**
 * How many columns the terminal on stdout has; 0 when stdout is not a terminal, or one whose size was
 * never set. Asked of process.stdout (a tty.WriteStream's ioctl) only when fd 1 is a character device
 * other than one of the memory devices (major 1: /dev/null, /dev/zero, /dev/full, …, never a terminal),
 * so that a table written to a file, a pipe or /dev/null does not build Node's stream stack (`out`).
 */
export function terminalColumns(): number {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || devMajor(st.rdev) === MEM_MAJOR) return 0;
  } catch {
    return 0;
  }
  return process.stdout.isTTY ? process.stdout.columns : 0;
}
/** The memory devices' major number (Documentation/admin-guide/devices.txt). */
const MEM_MAJOR = 1;

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
