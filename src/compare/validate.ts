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

/**
 * The options object of a library call, from a caller without type checks (plain JavaScript). `optional`:
 * every option has a default, so the argument may be left out.
 */
export function assertOptions(
  value: unknown,
  call: string,
  optional = false,
): asserts value is Readonly<Record<string, unknown>> {
  if (optional && value === undefined) return;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  throw new InvalidArgumentError(
    `invalid options ${describe(value)} for ${call}(): pass an object${optional ? ', or nothing' : ''}`,
  );
}

/** An option that is true, false, or left out. */
export function assertOptionalBoolean(value: unknown, what: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(`invalid ${what} ${describe(value)}: true or false`);
  }
}

/** A value that must be one of `allowed`. */
export function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
): asserts value is T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new InvalidArgumentError(`invalid ${what} ${describe(value)}: one of ${allowed.join(', ')}`);
  }
}

/** A value as an error message names it: strings quoted, objects by their kind, never a whole dump. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '(an array)';
  if (typeof value === 'object' && value !== null) return '(an object)';
  if (typeof value === 'function') return '(a function)';
  return String(value);
}
