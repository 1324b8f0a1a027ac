import type { ErrnoName } from '../sys/errno.js';

/** What kcmp(2) can compare. 'epoll-tfd' needs Linux ≥ 4.13. */
export type KcmpType = 'file' | 'vm' | 'files' | 'fs' | 'sighand' | 'io' | 'sysvsem' | 'epoll-tfd';

/** The per-task resources: everything but the fd-indexed 'file' and 'epoll-tfd'. */
export type TaskResource = 'vm' | 'files' | 'fs' | 'sighand' | 'io' | 'sysvsem';

export const TASK_RESOURCES: readonly TaskResource[] = ['vm', 'files', 'fs', 'sighand', 'io', 'sysvsem'];

/** kcmp's answer: 0 equal, 1 less, 2 greater, 3 unordered (different, but no order; no kernel returns it). */
export type Order = 'equal' | 'less' | 'greater' | 'unordered';

/** One fd of one process (or thread: a tid works wherever a pid does). */
export interface FdRef {
  /** The process (or thread) id, in the caller's PID namespace. */
  pid: number;
  /** The fd number in that process's fd table. */
  fd: number;
}

/** An item registered in an epoll instance: the epoll fd, the fd number at EPOLL_CTL_ADD time, and the
 * index among items registered under that same number (rb-tree order). */
export interface EpollSlot {
  /** The epoll fd, looked up in the second process (kcmp's pid2). */
  epfd: number;
  /** The target's fd number as it was at EPOLL_CTL_ADD time (it may be closed or reused since). */
  targetFd: number;
  /** Which of the items registered under `targetFd`, in the kernel's rb-tree order; default 0. */
  offset?: number;
}

/** How an answer was obtained, strongest first. */
export type Method =
  | 'identical' // the same pid and fd: trivially the same description
  | 'kcmp' // kcmp(2): exact
  | 'dupfd-query' // F_DUPFD_QUERY on two fds of our own process: exact
  | 'borrowed-dupfd-query' // pidfd_getfd both into our process, then F_DUPFD_QUERY: exact
  | 'different-inode' // different (dev, ino): different descriptions, exact
  | 'socket-inode' // the same socket inode, both fds opened for I/O: sockfs has one such file per socket, exact
  | 'o-path' // one fd O_PATH, the other not (O_PATH is fixed at open): different descriptions, exact
  | 'none'; // nothing could decide

/** Why a method could not be used: the call that failed and the errno the kernel returned. */
export interface Reason {
  /** The call that failed, e.g. `'kcmp'`, `'pidfd_getfd'`, `'fcntl(F_DUPFD_QUERY)'`. */
  syscall: string;
  /** The errno it failed with (what a seccomp filter answered, when one stood in). */
  errno: ErrnoName;
  /** One line for people: the failure and what it means here. */
  message: string;
}

/** A call that was not made: making it would have killed this process (a seccomp filter kills any process
 * that calls it; the probe child died of SIGSYS). No call was made, so no errno exists. */
export interface NotCalledReason {
  /** The call that was not made, e.g. `'kcmp'`, `'pidfd_getfd'`. */
  syscall: string;
  /** No errno: the call was not made. */
  errno: null;
  /** One line for people: which call was not made, and why. */
  message: string;
}

/** Why one step (one call) could not answer: it failed with an errno, or it was not made. */
export type StepReason = Reason | NotCalledReason;

/** No call failed, but an fd was closed or its number reused while it was compared: no answer held. */
export interface ChangedReason {
  /** No call failed. */
  syscall: null;
  /** No errno: the fd changed under the comparison. */
  errno: null;
  /** One line for people: which fd changed and how. */
  message: string;
}

/**
 * A comparison's answer and how it was obtained: decided (`same` true or false, by a named method), or
 * undecided (`same: null`, method 'none', and why) — never a guess, and never an undecided answer that
 * names a method.
 *
 * @example
 * const v = sameFile({ pid: 1234, fd: 3 }, { pid: 1235, fd: 3 });
 * if (v.same === null) console.log(`undecided: ${v.reason.message}`);
 * else console.log(`${v.same ? 'same' : 'different'} (${v.method})`);
 */
export type Verdict = DecidedVerdict | UndecidedVerdict;

/** A decided {@link Verdict}. */
export interface DecidedVerdict {
  /** true: one open file description; false: two. */
  same: boolean;
  /** How it was decided. */
  method: Exclude<Method, 'none'>;
}

/** An undecided {@link Verdict}: no method could answer. */
export interface UndecidedVerdict {
  /** Undecided: neither same nor different is known. */
  same: null;
  /** No method decided. */
  method: 'none';
  /** The call that failed or was not made, or the change that voided the answer. */
  reason: Reason | NotCalledReason | ChangedReason;
}
