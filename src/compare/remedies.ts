/**
 * What the user can do about a failed call: one line each, keyed by the call and its errno, and — for
 * EPERM — by whether a seccomp filter or the ptrace check refused. Used by the
 * CLI after "undecided:" and by `kcmp doctor` for every limit it finds.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ErrnoName } from '../sys/errno.js';
import { detectCapabilities, type GatedCall, type ProbeOutcome, seccompFilterActive } from './probe.js';
import { describe } from './validate.js';

export const REMEDY = {
  kcmpSeccomp:
    'a seccomp filter blocks kcmp here: in Docker or podman add --cap-add SYS_PTRACE (their default ' +
    'profiles then allow kcmp), or run with a profile that allows it (--security-opt seccomp=PROFILE.json)',
  kcmpKilled:
    'a seccomp filter kills processes that call kcmp (systemd SystemCallFilter=, browser-style sandboxes): ' +
    "allow kcmp in that filter (systemd's @system-service set includes it) or run kcmp outside the sandbox",
  kcmpMissing:
    'this kernel has no kcmp (CONFIG_KCMP=n; before 5.12 CONFIG_CHECKPOINT_RESTORE=n), or a seccomp filter ' +
    'answers ENOSYS: use a kernel built with CONFIG_KCMP=y, or allow kcmp in the filter',
  ptraceRead:
    "run as the target's user (the target must be dumpable: not setuid, not a daemon that dropped " +
    'privileges) or with CAP_SYS_PTRACE, e.g. sudo',
  getfdSeccomp:
    'a seccomp filter blocks pidfd_getfd here: Docker allows it only with --cap-add SYS_PTRACE (podman ' +
    'allows it by default), or run with a profile that allows it (--security-opt seccomp=PROFILE.json)',
  getfdKilled: 'a seccomp filter kills processes that call pidfd_getfd: allow it, or do not use --borrow',
  ptraceAttach:
    "pidfd_getfd needs ptrace attach rights: the target's user (target dumpable) or CAP_SYS_PTRACE; " +
    'Yama ptrace_scope 1 also limits it to descendants, 2 to CAP_SYS_PTRACE, 3 forbids it',
  dupfdQueryMissing: 'F_DUPFD_QUERY needs Linux 6.10 or later',
  pidfdMissing: 'pidfd_open needs Linux 5.3 and pidfd_getfd Linux 5.6 (or a seccomp filter hides them)',
  gone:
    'the process has exited, or lives in another PID namespace: use the pid this namespace shows (NSpid ' +
    'in /proc/PID/status)',
  fdNotOpen: 'the fd is not open in that process: list its fds with ls -l /proc/PID/fd',
  changed: 'compare again, or stop the processes first (kill -STOP PID, then kill -CONT PID)',
  probeFailed:
    'the probes run in a child process: check that this process may start node (ulimit -u, seccomp)',
  userNamespace:
    'run kcmp in the initial user namespace (outside the container or sandbox), with CAP_SYS_PTRACE there ' +
    "for other users' processes: a capability counts only in the target's user namespace",
  epollTfdMissing: 'KCMP_EPOLL_TFD needs Linux 4.13 with CONFIG_EPOLL',
  sysvsemMissing: 'KCMP_SYSVSEM needs a kernel built with CONFIG_SYSVIPC',
} as const;

/** The remedies for the two calls a sandbox commonly blocks, and the gate each is probed under. */
interface CallRemedies {
  gate: GatedCall;
  missing: string;
  killed: string;
  seccomp: string;
  /** EPERM from the kernel's ptrace check rather than from a filter. */
  denied: string;
}

const BLOCKABLE: Readonly<Record<'kcmp' | 'pidfd_getfd', CallRemedies>> = {
  kcmp: {
    gate: 'kcmp',
    missing: REMEDY.kcmpMissing,
    killed: REMEDY.kcmpKilled,
    seccomp: REMEDY.kcmpSeccomp,
    denied: REMEDY.ptraceRead,
  },
  pidfd_getfd: {
    gate: 'pidfdGetfd',
    missing: REMEDY.pidfdMissing,
    killed: REMEDY.getfdKilled,
    seccomp: REMEDY.getfdSeccomp,
    denied: REMEDY.ptraceAttach,
  },
};

/** The remedy for a call the capability probe found unusable, or undefined for 'usable'/'unsupported'. */
export function probeRemedy(syscall: keyof typeof BLOCKABLE, outcome: ProbeOutcome): string | undefined {
  const call = BLOCKABLE[syscall];
  const byOutcome: Partial<Record<ProbeOutcome, string>> = {
    killed: call.killed,
    eperm: call.seccomp,
    enosys: call.missing,
  };
  return byOutcome[outcome];
}

/**
 * The remedy for a failed call (`errno` null: a call not made, because a seccomp filter kills its callers),
 * or undefined when there is nothing the user can change.
 *
 * @example
 * remedyFor({ syscall: 'kcmp', errno: 'EPERM' })  // "run as the target's user … or with CAP_SYS_PTRACE"
 */
export function remedyFor(failure: { syscall: string; errno: ErrnoName | null }): string | undefined {
  const given: { syscall?: unknown; errno?: unknown } =
    typeof failure === 'object' && failure !== null ? failure : {};
  if (typeof given.syscall !== 'string' || (given.errno !== null && typeof given.errno !== 'string')) {
    throw new InvalidArgumentError(
      `invalid failure ${describe(failure)} for remedyFor(): { syscall, errno }, a call's name and its errno name or null, e.g. { syscall: 'kcmp', errno: 'EPERM' }`,
    );
  }
  const { syscall, errno } = failure;
  if (errno === null)
    return syscall === 'kcmp' || syscall === 'pidfd_getfd' ? BLOCKABLE[syscall].killed : undefined;
  if (errno === 'ESRCH') return REMEDY.gone;
  if (syscall === 'kcmp' || syscall === 'pidfd_getfd') {
    const call = BLOCKABLE[syscall];
    if (errno === 'EBADF') return REMEDY.fdNotOpen;
    if (errno === 'ENOSYS') return call.missing;
    if (errno !== 'EPERM') return undefined;
    // EPERM: a seccomp filter (the self probe fails too) or the kernel's ptrace check. Without a filter
    // installed no probe is run.
    const outcome = seccompFilterActive() ? detectCapabilities()[call.gate].outcome : undefined;
    return outcome === 'killed' || outcome === 'eperm' ? probeRemedy(syscall, outcome) : call.denied;
  }
  if (syscall === 'pidfd_open' && errno === 'ENOSYS') return REMEDY.pidfdMissing;
  if (syscall.startsWith('fcntl') && (errno === 'EINVAL' || errno === 'EBADF'))
    return REMEDY.dupfdQueryMissing;
  if (syscall === 'stat' && (errno === 'EACCES' || errno === 'EPERM')) return REMEDY.ptraceRead;
  return undefined;
}
