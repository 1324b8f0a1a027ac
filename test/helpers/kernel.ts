/** Helpers for tests that check the kernel's answers (kcmp-spec.md §9.2) through our binding. */
import { existsSync } from 'node:fs';
import type { Order } from '../../src/compare/types.js';
import { type ErrnoName, errnoName } from '../../src/sys/errno.js';
import { sysClose } from '../../src/sys/fcntl.js';
import { sysKcmp } from '../../src/sys/kcmp.js';
import { sysPidfdGetfd, sysPidfdOpen } from '../../src/sys/pidfd.js';
import { SysError } from '../../src/sys/sys-error.js';

/** The raw syscall (no validation): the kernel's 0..3, or its errno name. */
export function rawKcmp(
  pid1: number,
  pid2: number,
  type: number,
  idx1: number,
  idx2: number,
): number | ErrnoName {
  const r = sysKcmp(pid1, pid2, type, idx1, idx2);
  return r < 0 ? errnoName(-r) : r;
}

/** A raw result (a value, or a negated errno) as a value or errno name. */
export function answer(r: number): number | ErrnoName {
  return r < 0 ? errnoName(-r) : r;
}

/** The typed kcmp's Order, or the errno of the SysError it threw. */
export function outcome(call: () => Order): Order | ErrnoName {
  try {
    return call();
  } catch (error) {
    if (error instanceof SysError) return error.errno;
    throw error;
  }
}

interface AfterContext {
  after(fn: () => unknown): void;
}

/** pidfd_getfd: fd `fd` of `pid` duplicated into this process (same description); closed after the test. */
export function borrowFd(t: AfterContext, pid: number, fd: number): number {
  const pidfd = sysPidfdOpen(pid);
  if (pidfd < 0) throw new SysError('pidfd_open', errnoName(-pidfd), [pid]);
  const mine = sysPidfdGetfd(pidfd, fd);
  sysClose(pidfd);
  if (mine < 0) throw new SysError('pidfd_getfd', errnoName(-mine), [pid, fd]);
  t.after(() => sysClose(mine));
  return mine;
}

/** Waits (bounded, polling /proc) until a process we started has been reaped. */
export async function waitReaped(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} was not reaped within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Picks named pids or fds from a fixture report, failing loudly if the fixture did not report one. */
export function pick<K extends string>(record: Record<string, number>, ...keys: K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const value = record[key];
    if (value === undefined) throw new Error(`the fixture reported no ${key}`);
    out[key] = value;
  }
  return out;
}
