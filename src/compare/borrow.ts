/**
 * The kcmp-free comparison across processes, used only when the caller opts in:
 * pidfd_open both processes, pidfd_getfd both fds into OUR process (sharing their open file descriptions),
 * then F_DUPFD_QUERY, then close every borrowed fd at once.
 *
 * Needs Linux ≥ 5.6 (pidfd_getfd) and ≥ 6.10 (F_DUPFD_QUERY), and ptrace ATTACH rights — stronger than
 * kcmp's READ: Yama applies (scope 1: descendants only; scope 3: never). Hazards the caller accepts: the
 * borrowed fds count against our RLIMIT_NOFILE while held; closing one drops every POSIX record lock OUR
 * process holds on that inode; holding one briefly keeps the file alive (a pipe's reader sees no EOF);
 * receiving a socket re-tags its cgroup classid/netprio to ours.
 */
import type { KcmpError } from '../errors.js';
import { readStatus } from '../procfs/status.js';
import { type ErrnoName, errnoName, isNotSupported, isPrivilege } from '../sys/errno.js';
import { sysClose, sysDupfdQuery } from '../sys/fcntl.js';
import { PIDFD_THREAD, sysPidfdGetfd, sysPidfdOpen } from '../sys/pidfd.js';
import { SysError } from '../sys/sys-error.js';
import { liveTask, lookupError, type TaskFd } from './liveness.js';
import { type GatedCall, wouldBeKilled } from './probe.js';
import { killedReason, reasonOf } from './reason.js';
import type { StepReason } from './types.js';

class Skip {
  constructor(readonly reason: StepReason) {}
}

interface Step {
  syscall: string;
  gate: GatedCall;
  args: (number | string)[];
  run: () => number;
  /** Errnos that mean "this kernel lacks the feature" for this call, beyond the isNotSupported class. */
  tooOld?: readonly ErrnoName[];
  /** The typed error for any other failure (a process or fd gone). */
  onError: (error: SysError) => KcmpError;
}

/** Runs one step; a failure becomes a Skip (not supported / not permitted here) or a thrown error. */
function step(s: Step): number {
  const killed = wouldBeKilled(s.gate);
  if (killed) throw new Skip(killedReason(s.syscall, killed));
  const r = s.run();
  if (r >= 0) return r;
  const error = new SysError(s.syscall, errnoName(-r), s.args);
  if (isNotSupported(error.errno) || isPrivilege(error.errno) || s.tooOld?.includes(error.errno)) {
    throw new Skip(reasonOf(error));
  }
  throw s.onError(error);
}

function openPidfd(ref: TaskFd): number {
  // A thread that is not its group's leader needs PIDFD_THREAD (6.9; EINVAL before); without it 6.18
  // answers ENOENT. A tgid that cannot be read means the task is gone: liveTask says how.
  let leader: boolean;
  try {
    leader = readStatus(ref.task).tgid === ref.task;
  } catch {
    liveTask(ref.pid);
    leader = true;
  }
  const flags = leader ? 0 : PIDFD_THREAD;
  return step({
    syscall: 'pidfd_open',
    gate: 'pidfdOpen',
    args: [ref.task, flags],
    run: () => sysPidfdOpen(ref.task, flags),
    tooOld: ['EINVAL'],
    onError: (error) => {
      liveTask(ref.pid); // ESRCH: the process exited since we looked
      return error;
    },
  });
}

/** pidfd_getfd(pidfd, ref.fd): the fd `ref` names, borrowed into our process through `pidfd` (its process's). */
function borrowFd(pidfd: number, ref: TaskFd): number {
  return step({
    syscall: 'pidfd_getfd',
    gate: 'pidfdGetfd',
    args: [ref.task, ref.fd],
    run: () => sysPidfdGetfd(pidfd, ref.fd),
    onError: (error) => lookupError(error, ref),
  });
}

/** `body` with `hold` keeping each fd it opens, every one closed after; a skipped step becomes its reason. */
function holding<T>(body: (hold: (fd: number) => number) => T): T | StepReason {
  const opened: number[] = [];
  try {
    return body((fd) => {
      opened.push(fd);
      return fd;
    });
  } catch (error) {
    if (error instanceof Skip) return error.reason;
    throw error;
  } finally {
    for (const fd of opened) sysClose(fd);
  }
}

/**
 * true/false when both fds could be borrowed and compared; a reason when a step is not supported, not
 * permitted, or would be killed here. Throws when a process or fd is gone.
 */
export function borrowedSame(a: TaskFd, b: TaskFd): boolean | StepReason {
  return holding((hold) => {
    const pidfdA = hold(openPidfd(a));
    const pidfdB = b.task === a.task ? pidfdA : hold(openPidfd(b));
    const fdA = hold(borrowFd(pidfdA, a));
    const fdB = hold(borrowFd(pidfdB, b));
    const same = step({
      syscall: 'fcntl',
      gate: 'dupfdQuery',
      args: [fdA, 'F_DUPFD_QUERY', fdB],
      run: () => sysDupfdQuery(fdA, fdB),
      tooOld: ['EINVAL'], // an unknown fcntl command: Linux < 6.10
      onError: (error) => error,
    });
    return same === 1;
  });
}

/**
 * `use(fd)` on a copy of the fd `ref` names, borrowed into our process (pidfd_getfd) and closed after `use`
 * returns: what `use` returns, or a reason when borrowing is not supported, not permitted, or would be
 * killed here. Throws when the process or fd is gone. The hazards of the header apply: only on request.
 */
export function withBorrowedFd<T>(ref: TaskFd, use: (fd: number) => T): T | StepReason {
  return holding((hold) => use(hold(borrowFd(hold(openPidfd(ref)), ref))));
}
