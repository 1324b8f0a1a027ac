/**
 * The typed kcmp(): validated input, named types, an `Order` out, a `SysError` on failure.
 */
import { InvalidArgumentError, SeccompKillError } from '../errors.js';
import { errnoName } from '../sys/errno.js';
import { KCMP, sysKcmp, sysKcmpEpollTfd } from '../sys/kcmp.js';
import { SysError } from '../sys/sys-error.js';
import { wouldBeKilled } from './probe.js';
import { REMEDY } from './remedies.js';
import type { EpollSlot, KcmpType, Order, TaskResource } from './types.js';
import { assertFd, assertPid, describe } from './validate.js';

export const KCMP_TYPE_VALUES: Readonly<Record<KcmpType, number>> = {
  file: KCMP.FILE,
  vm: KCMP.VM,
  files: KCMP.FILES,
  fs: KCMP.FS,
  sighand: KCMP.SIGHAND,
  io: KCMP.IO,
  sysvsem: KCMP.SYSVSEM,
  'epoll-tfd': KCMP.EPOLL_TFD,
};

const ORDERS: readonly Order[] = ['equal', 'less', 'greater', 'unordered'];

/** Maps the kernel's 0..3 to an Order. */
export function orderOf(value: number): Order {
  const order = ORDERS[value];
  if (order === undefined) throw new RangeError(`kcmp returned ${value}, outside 0..3`);
  return order;
}

/**
 * Accepts a type name ('vm'), its KCMP_ constant name ('KCMP_VM', any case) or its number in
 * include/uapi/linux/kcmp.h (1); throws InvalidArgumentError for anything else.
 *
 * @example
 * parseKcmpType('KCMP_EPOLL_TFD') // 'epoll-tfd'
 * parseKcmpType('1')              // 'vm'
 */
export function parseKcmpType(text: string): KcmpType {
  if (typeof text !== 'string' && typeof text !== 'number') throw unknownType(text);
  const name = String(text);
  const lower = name
    .toLowerCase()
    .replace(/^kcmp_/, '')
    .replace('_', '-');
  if (Object.hasOwn(KCMP_TYPE_VALUES, lower)) return lower as KcmpType;
  const byNumber = Object.entries(KCMP_TYPE_VALUES).find(([, v]) => String(v) === name);
  if (byNumber) return byNumber[0] as KcmpType;
  throw unknownType(text);
}

function unknownType(type: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `unknown kcmp type ${describe(type)}: use one of ${Object.keys(KCMP_TYPE_VALUES).join(', ')} (or 0..7)`,
  );
}

/**
 * Compares two kernel objects of two tasks.
 *
 * @example
 * const [parent, child] = [1234, 1235];             // a process and a child it forked
 * kcmp(process.pid, process.pid, 'vm')              // 'equal'
 * kcmp(parent, child, 'file', 3, 3)                 // 'equal' after fork
 * kcmp(parent, child, 'epoll-tfd', 5, { epfd: 4, targetFd: 5 })  // is parent's fd 5 watched by child's epoll fd 4?
 * @throws InvalidArgumentError before any syscall; SysError with the kernel's errno; SeccompKillError,
 *   without a call, where a seccomp filter would kill the process for making it.
 */
export function kcmp(pid1: number, pid2: number, type: TaskResource): Order;
export function kcmp(pid1: number, pid2: number, type: 'file', fd1: number, fd2: number): Order;
export function kcmp(pid1: number, pid2: number, type: 'epoll-tfd', fd1: number, slot: EpollSlot): Order;
export function kcmp(
  pid1: number,
  pid2: number,
  type: KcmpType,
  idx1?: number,
  idx2?: number | EpollSlot,
): Order;
export function kcmp(
  pid1: number,
  pid2: number,
  type: KcmpType,
  idx1?: number,
  idx2?: number | EpollSlot,
): Order {
  assertPid(pid1, 'pid1');
  assertPid(pid2, 'pid2');
  // JavaScript callers may pass the kernel's number (1) or constant name ('KCMP_VM'): resolve it once.
  if (!Object.hasOwn(KCMP_TYPE_VALUES, type)) type = parseKcmpType(type);
  const value = KCMP_TYPE_VALUES[type];
  // Under a seccomp KILL policy the call would end this process with SIGSYS: refuse instead.
  const killed = wouldBeKilled('kcmp');
  if (killed) {
    throw new SeccompKillError('kcmp', `kcmp(${pid1}, ${pid2}, ${type}) not called: ${killed.detail}`, {
      remedy: REMEDY.kcmpKilled,
    });
  }
  let r: number;
  let args: (number | string)[];
  if (type === 'epoll-tfd') {
    assertFd(idx1, 'fd1');
    const slot = idx2 as EpollSlot | undefined;
    if (typeof slot !== 'object' || slot === null) {
      throw new InvalidArgumentError(
        'epoll-tfd needs a slot { epfd, targetFd, offset? } as its second index',
      );
    }
    assertFd(slot.epfd, 'epfd');
    assertFd(slot.targetFd, 'target fd');
    const toff = slot.offset ?? 0;
    if (!Number.isInteger(toff) || toff < 0 || toff > 2 ** 32 - 1) {
      throw new InvalidArgumentError(`invalid epoll offset ${toff}: an integer from 0 to 2^32-1`);
    }
    r = sysKcmpEpollTfd(pid1, pid2, idx1, { efd: slot.epfd, tfd: slot.targetFd, toff });
    args = [pid1, pid2, 'KCMP_EPOLL_TFD', idx1, `{efd=${slot.epfd}, tfd=${slot.targetFd}, toff=${toff}}`];
  } else if (type === 'file') {
    assertFd(idx1, 'fd1');
    assertFd(idx2, 'fd2');
    r = sysKcmp(pid1, pid2, value, idx1, idx2);
    args = [pid1, pid2, 'KCMP_FILE', idx1, idx2];
  } else {
    // The kernel ignores idx1/idx2 for task resources; pass 0.
    r = sysKcmp(pid1, pid2, value, 0, 0);
    args = [pid1, pid2, `KCMP_${type.toUpperCase()}`];
  }
  if (r < 0) throw new SysError('kcmp', errnoName(-r), args);
  return orderOf(r);
}
