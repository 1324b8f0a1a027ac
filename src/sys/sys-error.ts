import { KcmpError } from '../errors.js';
import { type ErrnoName, errnoMessage, errnoNumber } from './errno.js';

/** A failed system call, exactly as the kernel answered: which call, with which arguments, which errno. */
export class SysError extends KcmpError {
  readonly errno: ErrnoName;
  readonly errnoNumber: number | undefined;

  constructor(
    readonly syscall: string,
    errno: ErrnoName,
    readonly args: readonly (number | string)[] = [],
    options?: { remedy?: string; context?: string },
  ) {
    const call = `${syscall}(${args.join(', ')})`;
    const where = options?.context ? `${options.context}: ` : '';
    super(
      `${where}${call} failed: ${errno} (${errnoMessage(errno)})`,
      options?.remedy ? { remedy: options.remedy } : undefined,
    );
    this.errno = errno;
    this.errnoNumber = errnoNumber(errno);
  }
}
SysError.prototype.name = 'SysError';
