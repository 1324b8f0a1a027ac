/**
 * `kcmp epoll PID EPFD`: what an epoll instance really watches, verified with KCMP_EPOLL_TFD (Linux ≥ 4.13;
 * EINVAL before, EOPNOTSUPP without CONFIG_EPOLL).
 *
 * fdinfo lists each registration as (tfd, toff): the fd number it was added under — which may since have
 * been closed or reused — and its index among registrations under that number. KCMP_EPOLL_TFD compares an
 * fd of any task with the file of one registration, exactly:
 *
 *   fdinfo(EPFD) ──▶ (tfd, toff, ino)   ──▶ status: kcmp(owner, owner, EPOLL_TFD, tfd, {EPFD, tfd, toff})
 *                                              0 → the number holds it; 1/2 → reused; EBADF → closed
 *   searched fds ──ino──▶ bucket ──engine(KCMP_FILE)──▶ descriptions ──EPOLL_TFD(one member)──▶ holders
 *
 * Holders: candidate fds are bucketed by inode number (fdinfo's `ino:` is the same i_ino as the tfd line's,
 * so a holder always shares the target's bucket); each bucket is grouped once into descriptions by the
 * engine (kcmp order, ~log2 calls per fd), and each target costs one EPOLL_TFD call per description in its
 * bucket, stopping at the match. Anonymous inodes (eventfd, epoll, timerfd, …) share one inode, so their
 * bucket holds all of them.
 * Duplicates: registrations matched to one description. A registration whose description has no holder in
 * the searched processes cannot be matched (its `sameAs` stays empty).
 * Consistency: fdinfo is read again at the end; if the registrations changed, the check is redone.
 */
import { kcmp } from '../../compare/kcmp.js';
import { liveTask } from '../../compare/liveness.js';
import { detectRunMethod } from '../../compare/run-method.js';
import { assertFd, assertOptions, assertPid } from '../../compare/validate.js';
import { AccessDeniedError, InvalidArgumentError, KcmpError } from '../../errors.js';
import { fsErrno } from '../../procfs/errors.js';
import { readLink } from '../../procfs/fd-dir.js';
import { type EpollItem, readEpollItems } from '../../procfs/fdinfo-epoll.js';
import { fdDir } from '../../procfs/fds.js';
import { assertProcPidsAreOurs } from '../../procfs/namespaces.js';
import { isGone, isPrivilege } from '../../sys/errno.js';
import { SysError } from '../../sys/sys-error.js';
import { nowMs } from '../../util/clock.js';
import { failedCallRow } from '../fds/fds-problems.js';
import type { ScanError } from '../fds/fds-report.js';
import { assertPidList } from '../selection.js';
import { type Candidate, collectCandidates, describeBucket } from './epoll-candidates.js';
import { EPOLL_SCHEMA, type EpollReport, type EpollTarget } from './epoll-report.js';

/** What {@link inspectEpoll} looks at: one epoll instance, and where to search for its targets. */
export interface EpollOptions {
  /** The process that holds the epoll instance. */
  pid: number;
  /** Its epoll fd. */
  epfd: number;
  /** More processes (or tasks) whose fds may hold the targets; the owner's own fds are always searched. */
  search?: readonly number[];
}

const ATTEMPTS = 3;

class ItemsChanged extends Error {}

/** Fails with one line unless fd `epfd` of task `tid` is an open epoll instance. */
function assertEpoll(pid: number, tid: number, epfd: number): void {
  let target: string;
  try {
    target = readLink(`${fdDir(tid)}/${epfd}`);
  } catch (error) {
    const errno = fsErrno(error);
    if (isPrivilege(errno)) throw new AccessDeniedError(pid, `may not read the fds of process ${pid}`);
    liveTask(pid); // gone or zombie: the typed error
    throw new InvalidArgumentError(`process ${pid} has no fd ${epfd} open`, { cause: error });
  }
  if (target !== 'anon_inode:[eventpoll]') {
    throw new InvalidArgumentError(`fd ${epfd} of process ${pid} is not an epoll instance: it is ${target}`);
  }
}

interface Context {
  pid: number;
  owner: number;
  epfd: number;
  errors: ScanError[];
  comparisons: number;
}

/** kcmp(EPOLL_TFD): is fd `fd` of task `pid` the file of registration `item`? A SysError on failure. */
function holds(ctx: Context, pid: number, fd: number, item: EpollItem): boolean {
  ctx.comparisons++;
  const slot = { epfd: ctx.epfd, targetFd: item.tfd, offset: item.offset };
  return kcmp(pid, ctx.owner, 'epoll-tfd', fd, slot) === 'equal';
}

/** The description holding `item`, found by one member of each description of its bucket. */
function findHolders(
  ctx: Context,
  item: EpollItem,
  descriptions: readonly Candidate[][],
): Candidate[] | undefined {
  for (const description of descriptions) {
    for (const member of description) {
      try {
        if (holds(ctx, member.pid, member.fd, item)) return description;
        break; // a different description: next one
      } catch (error) {
        if (!(error instanceof SysError)) throw error;
        if (error.errno === 'ENOENT') throw new ItemsChanged();
        if (!isGone(error.errno)) {
          ctx.errors.push(failedCallRow(member.pid, member.fd, 'kcmp', error.errno));
          break;
        }
      }
    }
  }
  return undefined;
}

/**
 * What the owner's fd `tfd` holds now: the registration's file ('ok'), another ('fd-reused') or nothing
 * ('fd-closed': EBADF, as EPFD was checked open). Any other failure on our own inspected owner — kcmp
 * missing (ENOSYS), EPOLL_TFD missing (EINVAL before 4.13), a seccomp EPERM — fails the whole check.
 */
function atNumber(ctx: Context, item: EpollItem): 'ok' | 'fd-reused' | 'fd-closed' {
  try {
    return holds(ctx, ctx.owner, item.tfd, item) ? 'ok' : 'fd-reused';
  } catch (error) {
    if (!(error instanceof SysError)) throw error;
    if (error.errno === 'ENOENT') throw new ItemsChanged();
    if (error.errno === 'EBADF') return 'fd-closed';
    throw error;
  }
}

function link(pid: number, fd: number): string | null {
  try {
    return readLink(`${fdDir(pid)}/${fd}`);
  } catch {
    return null;
  }
}

function check(ctx: Context, items: readonly EpollItem[], buckets: Map<string | undefined, Candidate[]>) {
  const described = new Map<string, Candidate[][]>();
  const unknown = buckets.get(undefined) ?? [];
  const matched = new Map<Candidate[], EpollTarget[]>();
  const targets = items.map((item): EpollTarget => {
    let descriptions = described.get(item.ino);
    if (!descriptions) {
      const grouping = describeBucket([...(buckets.get(item.ino) ?? []), ...unknown], ctx.errors);
      ctx.comparisons += grouping.comparisons;
      descriptions = grouping.descriptions;
      described.set(item.ino, descriptions);
    }
    const holders = findHolders(ctx, item, descriptions) ?? [];
    const at = atNumber(ctx, item);
    const target: EpollTarget = {
      ...item,
      name: holders[0] ? link(holders[0].pid, holders[0].fd) : null,
      holders: holders.map(({ pid, fd }) => ({ pid: pid === ctx.owner ? ctx.pid : pid, fd })),
      status: at,
      current: at === 'fd-reused' ? link(ctx.owner, item.tfd) : null,
      sameAs: [],
    };
    if (holders.length > 0) matched.set(holders, [...(matched.get(holders) ?? []), target]);
    return target;
  });
  for (const group of matched.values()) {
    for (const target of group) {
      target.sameAs = group.filter((t) => t !== target).map(({ tfd, offset }) => ({ tfd, offset }));
      if (target.status === 'ok' && target.sameAs.length > 0) target.status = 'duplicate';
    }
  }
  return targets;
}

/**
 * Lists the registrations of epoll fd `epfd` of process `pid` with the fds that hold each target now and a
 * status per registration.
 *
 * Async like every scan of the library (the work itself is synchronous /proc reads and kcmp calls).
 *
 * @example
 * (await inspectEpoll({ pid: 1234, epfd: 4 })).targets
 * // [{ tfd: 100, holders: [{ pid: 1234, fd: 101 }], status: 'fd-closed', … }]
 * @throws InvalidArgumentError (bad pid/fd, fd not open, not an epoll fd), ProcessGoneError,
 *   ZombieProcessError, AccessDeniedError, SysError (kcmp unavailable)
 */
export async function inspectEpoll(options: EpollOptions): Promise<EpollReport> {
  assertOptions(options, 'inspectEpoll');
  if (options.search !== undefined) assertPidList(options.search, 'search');
  return scanEpoll(options);
}

function scanEpoll({ pid, epfd, search }: EpollOptions): EpollReport {
  assertPid(pid);
  assertFd(epfd, 'epoll fd');
  assertProcPidsAreOurs();
  const started = nowMs();
  const owner = liveTask(pid);
  assertEpoll(pid, owner, epfd);
  assertKcmpUsable(pid, epfd);
  const searched = [...new Set([owner, ...(search ?? []).filter((p) => p !== pid)])];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ctx: Context = { pid, owner, epfd, errors: [], comparisons: 0 };
    const items = readItems(pid, owner, epfd);
    const buckets = collectCandidates(searched, ctx.errors);
    let targets: EpollTarget[];
    try {
      targets = check(ctx, items, buckets);
    } catch (error) {
      if (error instanceof ItemsChanged) continue;
      throw error;
    }
    if (!sameItems(items, readItems(pid, owner, epfd))) continue;
    const fds = [...buckets.values()].reduce((n, b) => n + b.length, 0);
    return {
      schema: EPOLL_SCHEMA,
      pid,
      epfd,
      targets,
      errors: ctx.errors,
      stats: {
        processes: searched.length,
        fds,
        targets: targets.length,
        comparisons: ctx.comparisons,
        elapsedMs: Math.round(nowMs() - started),
      },
    };
  }
  throw new KcmpError(
    `the registrations of epoll fd ${epfd} of process ${pid} kept changing during ${ATTEMPTS} checks`,
    {
      remedy: `stop the process while checking (kill -STOP ${pid}, then kill -CONT ${pid})`,
    },
  );
}

/**
 * Every answer here needs kcmp: where it cannot be used, one error before any call. Under a seccomp filter
 * the probes run in a child first (run-method.ts), so a policy that kills callers of kcmp (SIGSYS) kills
 * the probe, not us.
 */
function assertKcmpUsable(pid: number, epfd: number): void {
  const run = detectRunMethod({ borrow: false });
  if (run.method === 'kcmp') return;
  throw new KcmpError(
    `cannot check the registrations of epoll fd ${epfd} of process ${pid}: they are compared with kcmp, and kcmp cannot be used here: ${run.kcmp.detail}`,
    run.remedy ? { remedy: run.remedy } : undefined,
  );
}

function readItems(pid: number, owner: number, epfd: number): EpollItem[] {
  try {
    return readEpollItems(owner, epfd);
  } catch (error) {
    assertEpoll(pid, owner, epfd); // closed or replaced meanwhile: the one-line error
    throw error;
  }
}

function sameItems(a: readonly EpollItem[], b: readonly EpollItem[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.tfd === b[i]?.tfd && x.ino === b[i]?.ino && x.offset === b[i]?.offset)
  );
}
