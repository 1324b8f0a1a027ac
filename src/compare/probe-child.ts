/**
 * The probe child: `node probe-child.js NAME...` runs each named probe on ITSELF and writes one JSON line
 * per probe to stdout (synchronously, before starting the next), e.g. {"name":"kcmp","value":0} or
 * {"name":"kcmp","errno":"EPERM"}. It runs in a short-lived child because a seccomp KILL policy ends the
 * process on the first blocked call: the parent reads which line is missing.
 * Not part of the library API; started only by probe.ts. Its stdout is that protocol pipe to the parent,
 * not user output (which only src/cli writes).
 */
import { openSync, writeSync } from 'node:fs';
import { errnoName } from '../sys/errno.js';
import { sysDupfdQuery } from '../sys/fcntl.js';
import { KCMP, sysKcmp, sysKcmpEpollTfdNullSlot } from '../sys/kcmp.js';
import { sysPidfdGetfd, sysPidfdOpen } from '../sys/pidfd.js';
import { MAX_ID } from './validate.js';

const self = process.pid;
const devNull = openSync('/dev/null', 'r');
let pidfd = -1;

/** Each probe returns the kernel's raw answer (a value, or a negated errno). */
const PROBES: Record<string, () => number> = {
  // F_DUPFD_QUERY on one fd against itself: 1 when supported (≥ 6.10), EINVAL before.
  dupfdQuery: () => sysDupfdQuery(devNull, devNull),
  // An fd number that is never open as fd2: EBADF since commit 2714b0d1f369, 0 on unfixed 6.10/6.11.
  dupfdQueryBadFd2: () => sysDupfdQuery(devNull, MAX_ID),
  pidfdOpen: () => {
    pidfd = sysPidfdOpen(self);
    return pidfd;
  },
  // Our own process: ptrace access to our own thread group is always granted, so only seccomp or a
  // missing syscall can fail it. Without a pidfd, -1 still reaches the kernel: EBADF means "it exists".
  pidfdGetfd: () => sysPidfdGetfd(pidfd, devNull),
  // kcmp(self, self, KCMP_VM): the kernel never refuses it, so EPERM here is a seccomp filter.
  kcmp: () => sysKcmp(self, self, KCMP.VM, 0, 0),
  // EOPNOTSUPP without CONFIG_SYSVIPC.
  kcmpSysvsem: () => sysKcmp(self, self, KCMP.SYSVSEM, 0, 0),
  // A NULL slot: EFAULT when KCMP_EPOLL_TFD exists (the slot is copied first), EINVAL before 4.13,
  // EOPNOTSUPP without CONFIG_EPOLL.
  kcmpEpollTfd: () => sysKcmpEpollTfdNullSlot(self, self, devNull),
};

for (const name of process.argv.slice(2)) {
  const probe = PROBES[name];
  if (!probe) continue;
  const r = probe();
  const line = r < 0 ? { name, errno: errnoName(-r) } : { name, value: r };
  writeSync(1, `${JSON.stringify(line)}\n`);
}
