/**
 * The error types every layer shares. Each carries a one-line message that says what failed and why, and,
 * where there is one, a `remedy` the CLI prints after it. Each sets `name` on its prototype and carries a
 * `Symbol.for` brand, so `isKcmpError()` works across duplicated copies of the package (execa's pattern).
 *
 * As Node's own `SystemError` does, every error has a `code`: the errno name for a kernel refusal
 * (`'ESRCH'`, `'EPERM'`, `'EBADF'`), or an `ERR_*` code for bad input and unsupported platforms — so
 * `e.code === 'ESRCH'` works whichever class was thrown. The classes follow psutil's model: a zombie is a
 * kind of gone process (`instanceof ProcessGoneError` catches both), and access denied is its own class.
 *
 * @example
 * try {
 *   sameFile({ pid: 4242, fd: 3 }, { pid: 4243, fd: 3 });
 * } catch (e) {
 *   if (e instanceof ProcessGoneError) console.log(`process ${e.pid} is gone (${e.code})`);
 *   else throw e;
 * }
 */

const BRAND = Symbol.for('kcmp.error');

/**
 * The base of every error kcmp throws.
 *
 * @example
 * try { kcmp(1234, 1235, 'files'); }
 * catch (e) { if (isKcmpError(e)) console.error(`${e.message}${e.remedy ? `; ${e.remedy}` : ''}`); }
 */
export class KcmpError extends Error {
  /** The errno name (`'ESRCH'`) or an `ERR_*` code, as Node's SystemError has it. */
  readonly code: string;
  /** What the user can do about it, if anything: "run as the same user or with CAP_SYS_PTRACE". */
  readonly remedy: string | undefined;

  constructor(message: string, options?: { cause?: unknown; remedy?: string; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? 'ERR_KCMP';
    this.remedy = options?.remedy;
  }
}
Object.defineProperty(KcmpError.prototype, BRAND, { value: true });
KcmpError.prototype.name = 'KcmpError';

/**
 * Whether `value` is an error thrown by kcmp — also by another copy of the package.
 *
 * @example
 * try { kcmp(1, 2, 'vm'); } catch (e) { if (!isKcmpError(e)) throw e; console.error(e.code); }
 */
export function isKcmpError(value: unknown): value is KcmpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Bad input from the caller: a pid out of range, an unknown type name, a malformed PID:FD. Thrown before
 * any system call. `code` is `'ERR_INVALID_ARG_VALUE'`, as Node uses for its own argument checks.
 *
 * @example
 * kcmp(0, 1, 'vm'); // throws InvalidArgumentError: invalid pid1 0: a pid is an integer in 1..2147483647
 */
export class InvalidArgumentError extends KcmpError {
  constructor(message: string, options?: { cause?: unknown; remedy?: string }) {
    super(message, { ...options, code: 'ERR_INVALID_ARG_VALUE' });
  }
}
InvalidArgumentError.prototype.name = 'InvalidArgumentError';

/**
 * Not Linux, or a Linux ABI whose syscall numbers are not known. Raised at first use, never at import.
 * `code` is `'ERR_UNSUPPORTED_PLATFORM'`.
 *
 * @example
 * try { kcmp(1, 1, 'vm'); }
 * catch (e) { if (e instanceof UnsupportedPlatformError) console.error(`kcmp needs Linux: ${e.message}`); }
 */
export class UnsupportedPlatformError extends KcmpError {
  constructor(message: string, options?: { cause?: unknown; remedy?: string }) {
    super(message, { ...options, code: 'ERR_UNSUPPORTED_PLATFORM' });
  }
}
UnsupportedPlatformError.prototype.name = 'UnsupportedPlatformError';

/**
 * A process named by the caller does not exist (or was replaced by another with the same pid). `code` is
 * `'ESRCH'`, what the kernel answers for such a pid.
 *
 * @example
 * const watched = new Set([1234, 1235]);
 * try { sameTaskResource(1234, 1235, 'vm'); } catch (e) { if (e instanceof ProcessGoneError) watched.delete(e.pid); }
 */
export class ProcessGoneError extends KcmpError {
  constructor(
    /** The pid that names no live process (any more). */
    readonly pid: number,
    message = `process ${pid} does not exist`,
    options?: { cause?: unknown; remedy?: string },
  ) {
    super(message, { remedy: 'check the pid; the process may have exited', ...options, code: 'ESRCH' });
  }
}
ProcessGoneError.prototype.name = 'ProcessGoneError';

/**
 * The process has exited but is not reaped: it has no fds, memory or fs left to compare. A kind of
 * ProcessGoneError (psutil's model), so `instanceof ProcessGoneError` catches zombies too; `code` is
 * `'ESRCH'`.
 *
 * @example
 * try { sameFile({ pid: 1234, fd: 3 }, { pid: 1235, fd: 3 }); }
 * catch (e) { if (e instanceof ZombieProcessError) console.log(`${e.pid} exited; its parent has not reaped it`); }
 */
export class ZombieProcessError extends ProcessGoneError {
  constructor(pid: number) {
    super(
      pid,
      `process ${pid} is a zombie (exited, not yet reaped): it holds no files, memory or fs to compare`,
      {
        remedy: 'its parent has not called wait(); nothing of it is left to compare',
      },
    );
  }
}
ZombieProcessError.prototype.name = 'ZombieProcessError';

/**
 * The process exists but the caller may not inspect it (ptrace read access, /proc permissions). `code` is
 * `'EPERM'` unless the refusal said otherwise (`'EACCES'` for a /proc read).
 *
 * @example
 * try { sameFile({ pid: 1, fd: 0 }, { pid: process.pid, fd: 0 }); }
 * catch (e) { if (e instanceof AccessDeniedError) console.log(`not allowed to inspect ${e.pid}: ${e.remedy}`); }
 */
export class AccessDeniedError extends KcmpError {
  constructor(
    /** The process the caller may not inspect. */
    readonly pid: number,
    message = `may not inspect process ${pid}`,
    options?: { cause?: unknown; remedy?: string; code?: 'EPERM' | 'EACCES' },
  ) {
    super(message, {
      ...options,
      code: options?.code ?? 'EPERM',
      remedy:
        options?.remedy ??
        'run as the same user as the target (which must be dumpable) or with CAP_SYS_PTRACE, e.g. sudo',
    });
  }
}
AccessDeniedError.prototype.name = 'AccessDeniedError';

/**
 * /proc shows the pids of another PID namespace than the caller's, while kcmp(2) takes the caller's: pids
 * read from /proc would name other processes (or none). Nothing is compared. Thrown by every scan,
 * `sameFile()` and `sameTaskResource()` before any comparison; `code` is `'ERR_KCMP'`.
 *
 * @example
 * try { await inspectFds({ selection: { kind: 'all' } }); }
 * catch (e) {
 *   if (e instanceof ProcNamespaceError) console.error(`${e.message}; ${e.remedy}`);
 *   else throw e;
 * }
 */
export class ProcNamespaceError extends KcmpError {
  constructor(why: string) {
    super(
      `${why}: kcmp(2) takes pids of the caller's PID namespace, so the pids /proc lists would name other processes; nothing was compared`,
      {
        remedy:
          'mount a /proc of this PID namespace (unshare --pid --fork --mount-proc, or mount -t proc proc /proc in a new mount namespace), or run kcmp in the PID namespace whose /proc is mounted',
      },
    );
  }
}
ProcNamespaceError.prototype.name = 'ProcNamespaceError';

/**
 * A system call was not made because a seccomp filter on this process kills any process that makes it
 * (SIGSYS: systemd's `SystemCallFilter=` default, Chromium's sandbox); the probe child found out, so the
 * caller lives. No errno exists: the kernel never answered. `code` is `'ERR_SECCOMP_KILL'`.
 *
 * @example
 * try { kcmp(1234, 1235, 'vm'); }
 * catch (e) { if (e instanceof SeccompKillError) console.error(`${e.syscall} is not allowed here: ${e.remedy}`); }
 */
export class SeccompKillError extends KcmpError {
  constructor(
    /** The system call that was not made, e.g. `'kcmp'`. */
    readonly syscall: string,
    message: string,
    options?: { remedy?: string },
  ) {
    super(message, { ...options, code: 'ERR_SECCOMP_KILL' });
  }
}
SeccompKillError.prototype.name = 'SeccompKillError';
