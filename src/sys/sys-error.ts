import { KcmpError } from '../errors.js';
import { type ErrnoName, errnoMessage, errnoNumber } from './errno.js';

/**
 * A failed system call, exactly as the kernel answered: which call, with which arguments, which errno.
 * `code` and `errno` both hold the errno name (`'EBADF'`), `errnoNumber` its number; `pid` and `fd` are
 * set when the failure concerns one process or one fd of it.
 *
 * @example
 * try { sameFile({ pid: 1234, fd: 3 }, { pid: 1234, fd: 99 }); }
 * catch (e) { if (e instanceof SysError && e.code === 'EBADF') console.log(`fd ${e.fd} is not open`); }
 */
export class SysError extends KcmpError {
  /** The errno name the kernel answered, e.g. `'EBADF'` (the same as `code`). */
  readonly errno: ErrnoName;
  /** The errno's number on this architecture (9 for EBADF), undefined for a name without one. */
  readonly errnoNumber: number | undefined;
  /** The process the failure concerns, when it concerns one. */
  readonly pid: number | undefined;
  /** The fd (of `pid`) the failure concerns, when it concerns one. */
  readonly fd: number | undefined;

  constructor(
    /** The system call that failed, e.g. `'kcmp'` or `'pidfd_getfd'`. */
    readonly syscall: string,
    errno: ErrnoName,
    /** The arguments it was called with, in order, as the message prints them. */
    readonly args: readonly (number | string)[] = [],
    options?: { remedy?: string; context?: string; pid?: number; fd?: number },
  ) {
    const call = `${syscall}(${args.join(', ')})`;
    const where = options?.context ? `${options.context}: ` : '';
    super(`${where}${call} failed: ${errno} (${errnoMessage(errno)})`, {
      code: errno,
      ...(options?.remedy ? { remedy: options.remedy } : {}),
    });
    this.errno = errno;
    this.errnoNumber = errnoNumber(errno);
    this.pid = options?.pid;
    this.fd = options?.fd;
  }
}
SysError.prototype.name = 'SysError';
