/**
 * The 'borrowed-dupfd-query' comparator, for fd scans where kcmp cannot be used and --borrow was asked for
 * (pidfd_getfd since 5.6, F_DUPFD_QUERY since 6.10). Each fd of a bucket is duplicated into OUR process with
 * pidfd_getfd — the copy shares the target's open file description — and compared with fcntl(F_DUPFD_QUERY)
 * against the copies of the bucket's class representatives. F_DUPFD_QUERY tells equality only, so the
 * comparator is unordered and the group engine scans the representatives linearly: up to c queries per fd for
 * c descriptions in the bucket, where kcmp needs log2(c).
 *
 *   bucket (dev, ino): fd 7 of task 120 ─ pidfd_getfd ─▶ our fd 31 ─ F_DUPFD_QUERY ─▶ held representatives
 *                                                                   our 25 (118:4), our 27 (119:9)
 *                      equal to one: close 31 at once      equal to none: keep 31, it represents a new class
 *
 * What is held, and for how long (the scan runs this on the main thread only: our fd table is the
 * process's):
 *   - one pidfd per task, for the run (at most PIDFD_CACHE; the oldest is closed to make room);
 *   - the copy of each class representative until its bucket is done (or regrouped); the copy of any other
 *     fd only while it is being placed. At most `limit` copies at once: half of what RLIMIT_NOFILE still
 *     allows, less the pidfds. A bucket with more descriptions keeps the classes that fit; an fd whose
 *     class cannot be held is refused with EMFILE (listed alone, certain: false), never merged on a guess.
 *
 * A sound pre-split: the access mode and O_PATH of a description never change after open(2) (F_SETFL
 * changes only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME), and F_GETFL reads them from the
 * description itself (f_flags; it is allowed on an O_PATH fd), so copies whose F_GETFL differs there are
 * different descriptions without a query. Nothing that can change (the offset, O_APPEND, O_NONBLOCK) and
 * nothing kept per fd (FD_CLOEXEC, which fdinfo's `flags` mixes in) may be used: it would split one
 * description in two. test/opath.test.ts checks it on fds of one file opened O_RDWR, O_RDONLY, O_WRONLY
 * and O_PATH, a description with O_NONBLOCK|O_APPEND set, and a dup with FD_CLOEXEC.
 *
 * Hazards of borrowing, which the CLI states once: closing a copy drops every POSIX record lock
 * OUR process holds on that inode; while held, a copy keeps the file alive (a pipe's reader sees no EOF
 * until we close it); receiving a socket re-tags its cgroup classid/netprio (a socket's fds opened for I/O
 * are borrowed only with --paranoid: otherwise they are its one description and need no comparison; its
 * O_PATH fds are compared, but an O_PATH file is not a socket to __receive_sock(): sock_from_file() sees
 * empty_fops, so nothing is re-tagged).
 */

import { countFds } from '../procfs/fds.js';
import { openFileLimit } from '../procfs/limits.js';
import { type ErrnoName, errnoName } from '../sys/errno.js';
import { sysClose, sysDupfdQuery, sysGetFl } from '../sys/fcntl.js';
import { PIDFD_THREAD, sysPidfdGetfd, sysPidfdOpen } from '../sys/pidfd.js';
import { CompareFailure, type Comparison, UNORDERED } from './comparison.js';
import type { FdComparator } from './fd-comparator.js';

/** pidfds kept open at once, at most (and at most an eighth of the free fds). */
const PIDFD_CACHE = 64;
/** O_ACCMODE | O_PATH: the f_flags bits F_SETFL never changes that tell descriptions apart. */
const FIXED_FLAGS = 0o3 | 0o10000000;

/** One fd borrowed into our process; `flags`: its FIXED_FLAGS, or -1 when F_GETFL failed. */
interface Copy {
  local: number;
  flags: number;
}

/** The run's pidfds and its budget of borrowed fds. Close it on every path. */
export class BorrowSession {
  private readonly pidfds = new Map<number, number>();
  private readonly comparators: BucketComparator[] = [];

  private constructor(
    /** Borrowed copies held at once, at most. */
    readonly limit: number,
    private readonly pidfdLimit: number,
  ) {}

  /**
   * Sizes the budget from RLIMIT_NOFILE's soft limit and the fds this process holds now: half of the free
   * fds for copies and pidfds together, the other half left to everything else (workers, /proc reads).
   */
  static open(): BorrowSession {
    const free = Math.min(openFileLimit().soft, 2 ** 30) - countFds(process.pid);
    const pidfds = Math.max(1, Math.min(PIDFD_CACHE, Math.floor(free / 8)));
    return new BorrowSession(Math.max(2, Math.floor(free / 2) - pidfds), pidfds);
  }

  /** A comparator for one bucket at a time; `reset()` between buckets releases what it holds. */
  comparator(): FdComparator & { reset(): void } {
    const comparator = new BucketComparator(this);
    this.comparators.push(comparator);
    return comparator;
  }

  /** fd `fd` of task `tid`, duplicated into our process: a Copy, or the errno. */
  borrow(tid: number, fd: number): Copy | ErrnoName {
    const pidfd = this.pidfd(tid);
    if (pidfd < 0) return errnoName(-pidfd);
    const local = sysPidfdGetfd(pidfd, fd);
    if (local < 0) return errnoName(-local);
    const flags = sysGetFl(local);
    return { local, flags: flags < 0 ? -1 : flags & FIXED_FLAGS };
  }

  private pidfd(tid: number): number {
    const cached = this.pidfds.get(tid);
    if (cached !== undefined) return cached;
    let pidfd = sysPidfdOpen(tid, 0);
    // A task that is not its thread group's leader needs PIDFD_THREAD (6.9); without it 6.18 answers
    // ENOENT, older kernels EINVAL. Scans read a table through a thread only when the leader
    // is a zombie.
    const errno = pidfd < 0 ? errnoName(-pidfd) : undefined;
    if (errno === 'ENOENT' || errno === 'EINVAL') pidfd = sysPidfdOpen(tid, PIDFD_THREAD);
    if (pidfd < 0) return pidfd;
    if (this.pidfds.size >= this.pidfdLimit) {
      const [oldest, old] = this.pidfds.entries().next().value as [number, number];
      sysClose(old);
      this.pidfds.delete(oldest);
    }
    this.pidfds.set(tid, pidfd);
    return pidfd;
  }

  /** Closes every copy and pidfd, also those of a bucket that was being grouped when something threw. */
  close(): void {
    for (const comparator of this.comparators) comparator.reset();
    for (const pidfd of this.pidfds.values()) sysClose(pidfd);
    this.pidfds.clear();
  }
}

const key = (tid: number, fd: number) => tid * 2 ** 31 + fd;

/**
 * The engine compares (item, representative): every call names the item being placed first, and all calls
 * for one item come together. So when a new item shows up, the previous one is finished: if it matched a
 * representative it joined that class (its copy is closed), else it founded a class of its own (its copy is
 * held as the representative, if the budget allows). A representative never seen as an item is the first
 * of its bucket (placed without a comparison) or a member promoted after its representative left: it is
 * borrowed when first needed.
 */
class BucketComparator implements FdComparator {
  readonly method = 'borrowed-dupfd-query';
  readonly ordered = false;
  private readonly reps = new Map<number, Copy>();
  /** Representatives whose copy did not fit the budget: comparing with one fails with EMFILE. */
  private readonly dropped = new Set<number>();
  private current: { key: number; copy: Copy | ErrnoName; matched: boolean } | undefined;

  constructor(private readonly session: BorrowSession) {}

  compare(tidA: number, fdA: number, tidB: number, fdB: number): Comparison<ErrnoName> {
    const item = this.item(key(tidA, fdA), tidA, fdA);
    if (typeof item.copy === 'string') return new CompareFailure(item.copy, 'a');
    const rep = this.rep(key(tidB, fdB), tidB, fdB);
    if (typeof rep === 'string') return new CompareFailure(rep, 'b');
    const a = item.copy;
    if (a.flags >= 0 && rep.flags >= 0 && a.flags !== rep.flags) return UNORDERED;
    const r = sysDupfdQuery(a.local, rep.local);
    if (r < 0) return new CompareFailure(errnoName(-r), 'a');
    if (r === 0) return UNORDERED;
    item.matched = true;
    return 0;
  }

  /** Releases every copy: call between buckets and before a bucket is grouped again. */
  reset(): void {
    this.finish(false);
    for (const copy of this.reps.values()) sysClose(copy.local);
    this.reps.clear();
    this.dropped.clear();
  }

  private item(k: number, tid: number, fd: number): NonNullable<typeof this.current> {
    if (this.current?.key === k) return this.current;
    this.finish(true);
    this.current = { key: k, copy: this.session.borrow(tid, fd), matched: false };
    return this.current;
  }

  /** Done with the current item: keep its copy as a representative, or close it. */
  private finish(mayHold: boolean): void {
    const done = this.current;
    this.current = undefined;
    if (!done || typeof done.copy === 'string') return;
    if (mayHold && !done.matched) {
      if (this.reps.size < this.session.limit - 1) {
        this.reps.set(done.key, done.copy);
        return;
      }
      this.dropped.add(done.key);
    }
    sysClose(done.copy.local);
  }

  private rep(k: number, tid: number, fd: number): Copy | ErrnoName {
    const held = this.reps.get(k);
    if (held) return held;
    // One slot stays free for the item being placed.
    if (this.dropped.has(k) || this.reps.size >= this.session.limit - 1) return 'EMFILE';
    const copy = this.session.borrow(tid, fd);
    if (typeof copy !== 'string') this.reps.set(k, copy);
    return copy;
  }
}
