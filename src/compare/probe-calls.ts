/**
 * The probes themselves: each named call made on OUR OWN process with harmless arguments, its raw
 * answer (a value, or a negated errno) handed to `onResult` before the next call is made. Run in a child
 * (probe-child.ts) when a seccomp filter might kill the caller, in-process when none is installed
 * (probe.ts). Everything a probe opens is closed before `runProbeCalls` returns.
 */
import { closeSync, openSync } from 'node:fs';
import { sysClose, sysDupfdQuery } from '../sys/fcntl.js';
import { KCMP, sysKcmp, sysKcmpEpollTfdNullSlot } from '../sys/kcmp.js';
import { sysPidfdGetfd, sysPidfdOpen } from '../sys/pidfd.js';
import { MAX_ID } from './validate.js';

/** The probes, by name, in the order they run. */
export const PROBE_NAMES = [
  'dupfdQuery',
  'dupfdQueryBadFd2',
  'pidfdOpen',
  'pidfdGetfd',
  'kcmp',
  'kcmpSysvsem',
  'kcmpEpollTfd',
] as const;

export type ProbeName = (typeof PROBE_NAMES)[number];

/** Runs each of `names` on this process; `onResult` gets the kernel's raw answer of each. */
export function runProbeCalls(
  names: readonly string[],
  onResult: (name: ProbeName, raw: number) => void,
): void {
  const self = process.pid;
  const devNull = openSync('/dev/null', 'r');
  const opened: number[] = [];
  let pidfd = -1;
  const probes: Record<ProbeName, () => number> = {
    // F_DUPFD_QUERY on one fd against itself: 1 when supported (≥ 6.10), EINVAL before.
    dupfdQuery: () => sysDupfdQuery(devNull, devNull),
    // An fd number that is never open as fd2: EBADF since commit 2714b0d1f369, 0 on unfixed 6.10/6.11.
    dupfdQueryBadFd2: () => sysDupfdQuery(devNull, MAX_ID),
    pidfdOpen: () => {
      pidfd = sysPidfdOpen(self);
      if (pidfd >= 0) opened.push(pidfd);
      return pidfd;
    },
    // Our own process: ptrace access to our own thread group is always granted, so only seccomp or a
    // missing syscall can fail it. Without a pidfd, -1 still reaches the kernel: EBADF means "it exists".
    pidfdGetfd: () => {
      const fd = sysPidfdGetfd(pidfd, devNull);
      if (fd >= 0) opened.push(fd);
      return fd;
    },
    // kcmp(self, self, KCMP_VM): the kernel never refuses it, so EPERM here is a seccomp filter.
    kcmp: () => sysKcmp(self, self, KCMP.VM, 0, 0),
    // EOPNOTSUPP without CONFIG_SYSVIPC.
    kcmpSysvsem: () => sysKcmp(self, self, KCMP.SYSVSEM, 0, 0),
    // A NULL slot: EFAULT when KCMP_EPOLL_TFD exists (the slot is copied first), EINVAL before 4.13,
    // EOPNOTSUPP without CONFIG_EPOLL.
    kcmpEpollTfd: () => sysKcmpEpollTfdNullSlot(self, self, devNull),
  };
  try {
    for (const name of names) {
      if (!(PROBE_NAMES as readonly string[]).includes(name)) continue;
      onResult(name as ProbeName, probes[name as ProbeName]());
    }
  } finally {
    for (const fd of opened) sysClose(fd);
    closeSync(devNull);
  }
}
