/**
 * Input checks made before any syscall. The kernel silently truncates out-of-range values (fds
 * to u32, so 2^32+n aliases fd n; type to int), which would turn a typo into a confident wrong answer.
 */
import { InvalidArgumentError } from '../errors.js';

export const MAX_ID = 2 ** 31 - 1;

/** A pid or tid: an integer 1..2^31−1 (pid_t is a signed 32-bit int; 0 and negatives name no task). */
export function assertPid(value: unknown, what = 'pid'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw new InvalidArgumentError(
      `invalid ${what} ${describe(value)}: a pid is an integer from 1 to ${MAX_ID}`,
    );
  }
}

/** An fd number: an integer 0..2^31−1. */
export function assertFd(value: unknown, what = 'fd'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new InvalidArgumentError(
      `invalid ${what} ${describe(value)}: an fd is an integer from 0 to ${MAX_ID}`,
    );
  }
}

/** Parses a decimal integer typed by a user ("12", not "12abc", "0x0c" or "1e3"). */
export function parseDecimal(text: string): number | undefined {
  return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/** A value as an error message shows it: a string quoted, anything else as String() writes it. */
export function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
