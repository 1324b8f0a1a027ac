/** Parsing of command-line values into validated numbers; each failure is one InvalidArgumentError line. */
import type { FdRef } from '../compare/types.js';
import { assertFd, assertPid, parseDecimal } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';

export function parsePid(text: string, what = 'pid'): number {
  const n = parseDecimal(text.trim());
  if (n === undefined) {
    throw new InvalidArgumentError(
      `invalid ${what} ${JSON.stringify(text)}: expected a process id such as 1234`,
    );
  }
  assertPid(n, what);
  return n;
}

/** PID:FD, e.g. 1234:3. */
export function parseFdRef(text: string): FdRef {
  const match = /^\s*(\d+):(\d+)\s*$/.exec(text);
  if (!match) {
    throw new InvalidArgumentError(
      `invalid fd reference ${JSON.stringify(text)}: expected PID:FD, e.g. 1234:3`,
    );
  }
  const pid = parsePid(match[1] as string);
  const fd = parseDecimal(match[2] as string);
  assertFd(fd ?? Number.NaN, `fd in ${text}`);
  return { pid, fd: fd as number };
}

/** A pid list as lsfd takes it: "1,2 3". Duplicates are dropped; order is kept. */
export function parsePidList(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new InvalidArgumentError('empty pid list: expected e.g. -p 1234,1235');
  return [...new Set(parts.map((p) => parsePid(p)))];
}
