/**
 * sameFile(): do two fds — of any processes — hold the same open file description? The fallback chain,
 * strongest and cheapest first; every answer names its method:
 *
 *   same pid and fd ───────────────────────────▶ identical (once the fd is known to exist)
 *   both fds ours ── fcntl(F_DUPFD_QUERY) ─────▶ dupfd-query          (≥ 6.10; no permission needed)
 *   stat /proc/PID/fd/N: different (dev, ino) ─▶ different-inode     (every description has one inode)
 *     same socket inode, lstat of both links:
 *                        both opened for I/O ──▶ socket-inode        (sockfs: one such file per socket)
 *                        one O_PATH, one not ──▶ o-path              (O_PATH is fixed at open)
 *                        both O_PATH ──────────▶ (kcmp)
 *   kcmp(KCMP_FILE) ───────────────────────────▶ kcmp
 *   { borrow: true }: pidfd_getfd both + F_DUPFD_QUERY ▶ borrowed-dupfd-query
 *   nothing left ──────────────────────────────▶ same: null, method 'none', reason
 *
 * A step falls through ONLY when its call is not supported or not permitted here (isNotSupported,
 * isPrivilege; for F_DUPFD_QUERY also EINVAL, and EBADF on an open O_PATH fd, before 6.10). A process
 * that is gone or a zombie, or an fd that is not open, throws a typed error instead: that is an answer
 * about the input, not about the method. Under a seccomp filter that kills (SIGSYS), calls the probe
 * child saw killed are never made (probe.ts).
 *
 * Another process's fds can change while we look: each cross-process answer is confirmed by stat-ing
 * both fds again; if either now refers to another inode (closed, its number reused), the verdict is
 * undecided, its reason naming no call and no errno (none failed) — never an answer about a file that is
 * no longer there. This narrows the window but cannot close it (kcmp compares the file pointers an fd
 * number names at the moment of the call, holding no reference): stop the processes for certainty.
 */
import { lstatSync } from 'node:fs';
import { fsErrno } from '../procfs/errors.js';
import { accessOf, type FdAccess } from '../procfs/fd-access.js';
import { type FdStat, fdPath, sameInode, statFd } from '../procfs/fd-stat.js';
import { kindOf } from '../procfs/kinds.js';
import { assertProcPidsAreOurs } from '../procfs/namespaces.js';
import { errnoName, isNotSupported, isPrivilege } from '../sys/errno.js';
import { sysDupfdQuery, sysFdIsOpen } from '../sys/fcntl.js';
import { SysError } from '../sys/sys-error.js';
import { borrowedSame } from './borrow.js';
import { kcmp } from './kcmp.js';
import { liveTask, lookupError, type TaskFd } from './liveness.js';
import { wouldBeKilled } from './probe.js';
import { combineReasons, killedReason, reasonOf } from './reason.js';
import type { DecidedVerdict, FdRef, Order, Reason, StepReason, Verdict } from './types.js';
import { assertFd, assertOptionalBoolean, assertOptions, assertPid } from './validate.js';

/** How far {@link sameFile} may go when kcmp cannot answer. */
export interface SameFileOptions {
  /**
   * When kcmp cannot answer, borrow both fds into this process with pidfd_getfd and compare them with
   * F_DUPFD_QUERY. Off by default: closing a borrowed fd drops POSIX locks this process holds on that
   * file, and needs ptrace ATTACH rights (Yama's ptrace_scope applies).
   */
  borrow?: boolean;
}

function assertFdRef(ref: unknown, what: string): asserts ref is FdRef {
  const r = (typeof ref === 'object' && ref !== null ? ref : {}) as Partial<FdRef>;
  assertPid(r.pid, `pid of the ${what} fd`);
  assertFd(r.fd, `${what} fd`);
}

/** Our own fd that is not open: EBADF, as the kernel would say. */
function notOpenHere(fd: number, syscall = 'fcntl', args: (number | string)[] = [fd, 'F_GETFD']): SysError {
  return new SysError(syscall, 'EBADF', args, {
    context: `fd ${fd} is not open in this process (${process.pid})`,
    pid: process.pid,
    fd,
  });
}

/** F_DUPFD_QUERY for two fds of our own process: a verdict, or the reason it is not supported here. */
function dupfdQuery(fd1: number, fd2: number): Verdict | StepReason {
  const killed = wouldBeKilled('dupfdQuery');
  if (killed) return killedReason('fcntl(F_DUPFD_QUERY)', killed);
  const r = sysDupfdQuery(fd1, fd2);
  if (r === 1) return { same: true, method: 'dupfd-query' };
  // Unfixed 6.10/6.11 kernels answer 0 for an invalid fd2 (fixed by commit 2714b0d1f369): confirm it exists.
  if (r === 0) {
    if (!sysFdIsOpen(fd2)) throw notOpenHere(fd2);
    return { same: false, method: 'dupfd-query' };
  }
  const error = new SysError('fcntl', errnoName(-r), [fd1, 'F_DUPFD_QUERY', fd2]);
  if (!sysFdIsOpen(fd1)) throw notOpenHere(fd1, 'fcntl', error.args as (number | string)[]);
  if (!sysFdIsOpen(fd2)) throw notOpenHere(fd2, 'fcntl', error.args as (number | string)[]);
  // Both open, yet refused: before 6.10 an unknown command is EINVAL — or EBADF when fd1 is O_PATH,
  // which rejects unknown commands that way (systemd same_fd() handles it alike).
  const tooOld = error.errno === 'EINVAL' || error.errno === 'EBADF';
  if (tooOld || isNotSupported(error.errno) || isPrivilege(error.errno)) return reasonOf(error);
  throw error;
}

/** stat of the file behind an fd; a Reason when we may not look (EACCES); throws when it is gone. */
function statRef(ref: TaskFd): FdStat | Reason {
  try {
    return statFd(ref.task, ref.fd);
  } catch (cause) {
    const errno = fsErrno(cause);
    const error = new SysError('stat', errno, [fdPath(ref.task, ref.fd)]);
    if (isPrivilege(errno)) return reasonOf(error);
    throw lookupError(error, ref);
  }
}

function isStat(value: FdStat | Reason): value is FdStat {
  return 'ino' in value;
}

/** kcmp(KCMP_FILE): an Order, or the reason it is not supported/permitted here; throws when gone. */
function kcmpStep(a: TaskFd, b: TaskFd): Order | StepReason {
  const killed = wouldBeKilled('kcmp');
  if (killed) return killedReason('kcmp', killed);
  try {
    return kcmp(a.task, b.task, 'file', a.fd, b.fd);
  } catch (error) {
    if (!(error instanceof SysError)) throw error;
    if (isNotSupported(error.errno) || isPrivilege(error.errno)) return reasonOf(error);
    // ESRCH or EBADF: find out which process or fd is missing.
    for (const ref of [a, b]) {
      const now = statRef(ref); // throws the typed error for a gone process or a closed fd
      if (!isStat(now)) break;
    }
    throw error;
  }
}

/**
 * A cross-process answer stands only if both fds still refer to the files they referred to before it.
 */
function confirm(verdict: Verdict, refs: readonly TaskFd[], before: readonly (FdStat | Reason)[]): Verdict {
  for (const [i, ref] of refs.entries()) {
    const then = before[i];
    if (!then || !isStat(then)) continue;
    let now: FdStat | undefined;
    try {
      now = statFd(ref.task, ref.fd);
    } catch {
      now = undefined;
    }
    if (!now || !sameInode(now, then)) {
      const message =
        `fd ${ref.fd} of process ${ref.pid} was closed or now refers to another file: it changed while ` +
        `being compared, so no answer is given; compare again (or stop the process: kill -STOP ${ref.pid})`;
      return { same: null, method: 'none', reason: { syscall: null, errno: null, message } };
    }
  }
  return verdict;
}

/**
 * Do fds `a` and `b` hold the same open file description (one offset, one set of status flags)?
 *
 * @example
 * sameFile({ pid: 1234, fd: 3 }, { pid: 1235, fd: 3 })         // { same: true, method: 'kcmp' }
 * sameFile({ pid: process.pid, fd: 0 }, { pid: process.pid, fd: 1 })  // method 'dupfd-query'
 * sameFile({ pid: 1234, fd: 3 }, { pid: 1235, fd: 3 }, { borrow: true })  // F_DUPFD_QUERY where kcmp is blocked
 * @throws InvalidArgumentError (before any syscall), ProcessGoneError, ZombieProcessError, or a SysError
 * for an fd that is not open.
 */
export function sameFile(a: FdRef, b: FdRef, options: SameFileOptions = {}): Verdict {
  assertFdRef(a, 'first');
  assertFdRef(b, 'second');
  assertOptions(options, 'sameFile');
  assertOptionalBoolean(options.borrow, 'borrow option');
  assertProcPidsAreOurs();
  const self = process.pid;
  const ours = a.pid === self && b.pid === self;
  const identical = a.pid === b.pid && a.fd === b.fd;
  const reasons: StepReason[] = [];

  if (ours) {
    if (identical) {
      if (!sysFdIsOpen(a.fd)) throw notOpenHere(a.fd);
      return { same: true, method: 'identical' };
    }
    const verdict = dupfdQuery(a.fd, b.fd);
    if ('method' in verdict) return verdict;
    reasons.push(verdict);
  }

  const refs = [
    { pid: a.pid, task: a.pid === self ? self : liveTask(a.pid), fd: a.fd },
    { pid: b.pid, task: b.pid === self ? self : liveTask(b.pid), fd: b.fd },
  ] as const;
  const before = refs.map(statRef);
  const [statA, statB] = before as [FdStat | Reason, FdStat | Reason];
  if (identical && isStat(statA)) return { same: true, method: 'identical' };
  // A stat refused (EACCES) only skips this step; kcmp's own failure is the reason worth reporting.
  if (isStat(statA) && isStat(statB)) {
    if (!sameInode(statA, statB)) return confirm({ same: false, method: 'different-inode' }, refs, before);
    // One description per socket for its fds opened for I/O; an O_PATH fd is one of its own (kinds.ts) —
    // the rule the fd scan uses. The re-stat in confirm() ties the links' modes to the files stat'ed.
    if (kindOf(statA.mode, '').oneIoDescriptionPerInode) {
      const verdict = socketVerdict(refs);
      if (verdict) return confirm(verdict, refs, before);
    }
  }

  const order = kcmpStep(refs[0], refs[1]);
  if (typeof order === 'string') {
    const verdict: DecidedVerdict = { same: order === 'equal', method: identical ? 'identical' : 'kcmp' };
    return confirm(verdict, refs, before);
  }
  reasons.push(order);

  if (options.borrow) {
    const same = borrowedSame(refs[0], refs[1]);
    if (typeof same === 'boolean') return confirm({ same, method: 'borrowed-dupfd-query' }, refs, before);
    reasons.push(same);
  }
  return { same: null, method: 'none', reason: combineReasons(primaryFirst(reasons)) as StepReason };
}

/** Two fds of one socket inode: decided by their access (fd-access.ts), or undefined for kcmp to decide. */
function socketVerdict(refs: readonly TaskFd[]): Verdict | undefined {
  const access: FdAccess[] = [];
  for (const ref of refs) {
    try {
      access.push(accessOf(lstatSync(fdPath(ref.task, ref.fd)).mode));
    } catch {
      return undefined; // kcmp, next, says what is wrong with the fd
    }
  }
  const [a, b] = access;
  if (a === 'io' && b === 'io') return { same: true, method: 'socket-inode' };
  if (a !== b) return { same: false, method: 'o-path' };
  return undefined;
}

/** kcmp's failure is the one to explain (its remedy is the useful one); the others follow it. */
function primaryFirst(reasons: StepReason[]): StepReason[] {
  const i = reasons.findIndex((r) => r.syscall === 'kcmp');
  return i <= 0 ? reasons : [reasons[i] as StepReason, ...reasons.filter((_, j) => j !== i)];
}
