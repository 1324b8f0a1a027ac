/**
 * The error types every layer shares. Each carries a one-line message that says what failed and why, and,
 * where there is one, a `remedy` the CLI prints after it. Each sets `name` on its prototype and carries a
 * `Symbol.for` brand, so `isKcmpError()` works across duplicated copies of the package (execa's pattern).
 */

const BRAND = Symbol.for('kcmp.error');

export class KcmpError extends Error {
  /** What the user can do about it, if anything: "run as the same user or with CAP_SYS_PTRACE". */
  readonly remedy: string | undefined;

  constructor(message: string, options?: { cause?: unknown; remedy?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.remedy = options?.remedy;
  }
}
Object.defineProperty(KcmpError.prototype, BRAND, { value: true });
KcmpError.prototype.name = 'KcmpError';

export function isKcmpError(value: unknown): value is KcmpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Bad input from the caller: a pid out of range, an unknown type name, a malformed PID:FD. */
export class InvalidArgumentError extends KcmpError {}
InvalidArgumentError.prototype.name = 'InvalidArgumentError';

/** Not Linux, or a Linux ABI whose syscall numbers are not known. Raised at first use, never at import. */
export class UnsupportedPlatformError extends KcmpError {}
UnsupportedPlatformError.prototype.name = 'UnsupportedPlatformError';

/** A process named by the caller does not exist (or was replaced by another with the same pid). */
export class ProcessGoneError extends KcmpError {
  constructor(
    readonly pid: number,
    message = `process ${pid} does not exist`,
    options?: { cause?: unknown },
  ) {
    super(message, { ...options, remedy: 'check the pid; the process may have exited' });
  }
}
ProcessGoneError.prototype.name = 'ProcessGoneError';

/** The process exists but has exited and not been reaped: it has no fds, mm or fs left to compare. */
export class ZombieProcessError extends KcmpError {
  constructor(readonly pid: number) {
    super(`process ${pid} is a zombie (exited, not yet reaped): it holds no files, memory or fs to compare`);
  }
}
ZombieProcessError.prototype.name = 'ZombieProcessError';

/** The process exists but the caller may not inspect it (ptrace read access, /proc permissions). */
export class AccessDeniedError extends KcmpError {
  constructor(
    readonly pid: number,
    message = `may not inspect process ${pid}`,
    options?: { cause?: unknown; remedy?: string },
  ) {
    super(message, {
      ...options,
      remedy:
        options?.remedy ??
        'run as the same user as the target (which must be dumpable) or with CAP_SYS_PTRACE, e.g. sudo',
    });
  }
}
AccessDeniedError.prototype.name = 'AccessDeniedError';

/**
 * /proc shows the pids of another PID namespace than the caller's, while kcmp(2) takes the caller's: pids
 * read from /proc would name other processes (or none). Nothing is compared.
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
