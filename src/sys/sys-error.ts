import { KcmpError } from '../errors.js';
import { type ErrnoName, errnoMessage, errnoNumber } from './errno.js';

/**
 * A failed system call, exactly as the kernel answered: which call, with which arguments, which errno.
 * `code` and `errno` both hold the errno name (`'EBADF'`), `errnoNumber` its number; `pid` and `fd` are
 * set when the failure concerns one process or one fd of it.
 *
 * @example
 * try { sameFile({ pid, fd: 3 }, { pid, fd: 99 }); }
 * catch (e) { if (e instanceof SysError && e.code === 'EBADF') console.log(`fd ${e.fd} is not open`); }
 */
export class SysError extends KcmpError {
  readonly errno: ErrnoName;
  readonly errnoNumber: number | undefined;
  readonly pid: number | undefined;
  readonly fd: number | undefined;

  constructor(
    readonly syscall: string,
    errno: ErrnoName,
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
