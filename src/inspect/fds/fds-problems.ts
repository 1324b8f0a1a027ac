/**
 * The error rows of an fd scan (kcmp.fds/2 `errors`): what could not be read or compared, with the
 * syscall, the errno and one line saying what it means. Errors are rows, never verdicts: the scan goes on.
 * fds kcmp refused to compare (privilege, not supported) are counted per process and errno, so a blocked
 * kcmp yields one row per process, not one per fd.
 */

import type { ProbeResult } from '../../compare/probe.js';
import { probeRemedy, REMEDY, remedyFor } from '../../compare/remedies.js';
import { uncalledReason } from '../../compare/run-method.js';
import { type ErrnoName, errnoMessage, isGone, isNotSupported, isPrivilege } from '../../sys/errno.js';
import type { NotStopped } from '../freeze.js';
import type { ScanError, ScanErrorReason } from './fds-report.js';
import { ATTEMPTS } from './group-bucket.js';

export class Problems {
  /** `blocked`: what probing kcmp found, when it cannot be used in this run. */
  constructor(private readonly blocked?: ProbeResult) {}

  private readonly rows: ScanError[] = [];
  /** Per process: fds whose bucket never held still through a grouping and its check (no call failed). */
  private readonly unsettledFds = new Map<number, number>();
  /** Per process: fds not compared because kcmp is blocked in this run without an errno. */
  private readonly uncalledFds = new Map<number, number>();
  private readonly uncompared = new Map<
    string,
    { pid: number; syscall: string; errno: ErrnoName; count: number }
  >();

  /** One fd (or, with fd null, a whole process) that could not be read; `tid`: the task whose fd table
   * the call read, when it is not the process's leader. */
  add(pid: number, fd: number | null, syscall: string, errno: ErrnoName, tid?: number): void {
    this.rows.push(failedCallRow(pid, fd, syscall, errno, tid));
  }

  /** The fd was closed and its number reused between the scan and the re-stat. */
  reused(pid: number, fd: number, tid?: number): void {
    this.rows.push({
      pid,
      ...(tid === undefined || tid === pid ? {} : { tid }),
      fd,
      syscall: null, // the re-stat succeeded; it found another file: no call failed
      errno: null,
      reason: 'reused',
      message: `fd ${fd} of process ${pid} now refers to another file: it was closed and its number reused during the scan; left out`,
    });
  }

  /** An exited, unreaped process: it has no fd table left (the kernel dropped it at exit). */
  zombie(pid: number, command: string): void {
    this.aboutProcess(
      pid,
      'zombie',
      `process ${pid} (${command}) is a zombie (exited, not yet reaped): it holds no fds any more`,
    );
  }

  /** --stop did not hold the process still (freeze.ts): another traces it, and only a tracer can continue a
   * tracee that a SIGSTOP stopped; or it had not stopped by the deadline (an uninterruptible wait). */
  notStopped(p: NotStopped): void {
    const why =
      'tracerPid' in p
        ? `process ${p.tracerPid} traces it (ptrace), and a stop would have left it stopped for its tracer, which alone can continue it`
        : `it had not stopped ${p.waitedMs / 1000} s after SIGSTOP (state ${p.state}${p.state === 'D' ? ': in an uninterruptible wait, which a stop does not interrupt' : ''})`;
    this.aboutProcess(
      p.pid,
      'not-stopped',
      `process ${p.pid} was not stopped: ${why}; its fds were read while it ran, so its part of the snapshot is not exact`,
    );
  }

  /**
   * A live process's table yielded no fd to the scan while /proc/TID/fd lists `fds` now: what was read
   * of it (`rowsFrom` a BPF pass, or a /proc listing) is no answer. Seen when the table was released and replaced while it was read (its leader
   * exited, or another thread called execve), or when an engine's records name the process otherwise than
   * /proc does.
   */
  missed(table: { pid: number; tid: number }, fds: number, rowsFrom: 'bpf' | 'proc'): void {
    const { pid, tid } = table;
    const process = tid === pid ? `process ${pid}` : `process ${pid} (thread ${tid})`;
    const saw =
      rowsFrom === 'bpf'
        ? `the BPF pass saw no fd of its table, yet /proc/${tid}/fd lists ${fds}`
        : `its fd table listed no fds, then ${fds} a moment later`;
    this.rows.push({
      pid,
      ...(tid === pid ? {} : { tid }),
      fd: null,
      syscall: null,
      errno: null,
      reason: 'missed',
      message: `${process}: ${saw}: those fds are missing from this report (a table released and replaced while it was read, by its leader's exit or another thread's execve, looks so); run again, or with --stop`,
    });
  }

  /** A live process none of whose tasks could be read for its fd table, each time it was read again
   * (unheld.ts): its leader had exited while other tasks lived on. */
  leaderless(pid: number): void {
    this.aboutProcess(
      pid,
      'unsettled',
      `process ${pid}: no task of it could be read for its fd table: its leader had exited while other threads lived on, and those were exiting, calling execve (which hands the leader's pid to the exec'ing thread) or could not be compared each time it was read again; its fds are missing from this report; run again`,
    );
  }

  /** Process `pid` lives on but left a shared fd table during the scan (handover.ts): its leader turned
   * zombie while other threads lived, as in a thread's execve, which gives it a table of its own. */
  leftTable(pid: number): void {
    this.aboutProcess(
      pid,
      'unsettled',
      `process ${pid}: it left the fd table it shared (CLONE_FILES) during the scan — its leader exited while other threads lived on, as when a thread calls execve, which gives it a table of its own — so the fds it holds now are missing from this report; run again`,
    );
  }

  /** Process `pid` shares the fd table that was read through `reader`, which exited each time it was read
   * again (handover.ts). */
  orphaned(pid: number, reader: number): void {
    this.aboutProcess(
      pid,
      'unsettled',
      `process ${pid}: its fd table, which it shares (CLONE_FILES), was read through process ${reader}, and that process exited during the scan, as each sharer the table was read through before it had; its fds are missing from this report; run again`,
    );
  }

  /** A row about a whole process where no call failed: `reason` says what happened. */
  private aboutProcess(pid: number, reason: ScanErrorReason, message: string): void {
    this.rows.push({ pid, fd: null, syscall: null, errno: null, reason, message });
  }

  /** The process is not the one we selected any more (exited; maybe its pid was reused). */
  replaced(pid: number): void {
    this.rows.push({
      pid,
      fd: null,
      syscall: null, // its start time was read again and differs, or it is gone: no call failed
      errno: null,
      reason: 'replaced',
      message: `process ${pid} exited (or its pid was reused) during the scan; its fds are left out`,
    });
  }

  /** Threads whose fd table could not be compared with the leader's; taken to share it, not read. `errno`
   * null: kcmp was not called (blocked in this run without an errno). */
  assumedShared(pid: number, tids: readonly number[], errno: ErrnoName | null): void {
    const which = tids.length === 1 ? `thread ${tids[0]}` : `threads ${tids.join(', ')}`;
    const effect = `taken to share the leader's fd table, so fds a thread holds after unshare(CLONE_FILES) would be missing`;
    if (errno === null) {
      this.rows.push({
        pid,
        fd: null,
        ...this.uncalled(),
        message: `process ${pid}: kcmp(KCMP_FILES) not called for ${which}: ${this.notCalled()}; ${effect}; ${this.uncalledRemedy()}`,
      });
      return;
    }
    this.rows.push({
      pid,
      fd: null,
      syscall: 'kcmp',
      errno,
      message: `process ${pid}: kcmp(KCMP_FILES) failed: ${errno} (${errnoMessage(errno)}) for ${which}; ${effect}${hint(errno, 'kcmp')}`,
    });
  }

  /** An fd that could not be compared (`syscall` failed): it is listed alone, `certain: false`. */
  uncomparedFd(pid: number, syscall: string, errno: ErrnoName): void {
    const key = `${pid} ${syscall} ${errno}`;
    const entry = this.uncompared.get(key);
    if (entry) entry.count++;
    else this.uncompared.set(key, { pid, syscall, errno, count: 1 });
  }

  /** An fd that was not compared, and no call made: kcmp cannot be used in this run and answered no errno. */
  uncalledFd(pid: number): void {
    this.uncalledFds.set(pid, (this.uncalledFds.get(pid) ?? 0) + 1);
  }

  /** The fields of a row about kcmp not being called: no call failed, so no syscall and no errno. */
  private uncalled(): Pick<ScanError, 'syscall' | 'errno' | 'reason'> {
    return {
      syscall: null,
      errno: null,
      reason: uncalledReason(this.blockedProbe()),
    };
  }

  private notCalled(): string {
    return this.blockedProbe().detail;
  }

  private uncalledRemedy(): string {
    return probeRemedy('kcmp', this.blockedProbe().outcome) ?? REMEDY.probeFailed;
  }

  /** What probing kcmp found: an fd is left uncalled only in a run whose kcmp is blocked (fd-scan-method.ts). */
  private blockedProbe(): ProbeResult {
    if (!this.blocked) throw new Error('fd scan: an fd was left uncompared in a run whose kcmp is usable');
    return this.blocked;
  }

  /** An fd of a file whose fds kept changing while they were compared: listed alone, `certain: false`. */
  unsettled(pid: number): void {
    this.unsettledFds.set(pid, (this.unsettledFds.get(pid) ?? 0) + 1);
  }

  /** Every row, by pid then fd (process rows first). */
  list(): ScanError[] {
    const rows = [...this.rows];
    for (const [pid, count] of this.unsettledFds) {
      rows.push({
        pid,
        fd: null,
        syscall: null,
        errno: null,
        reason: 'unsettled',
        message: `process ${pid}: ${count === 1 ? '1 fd' : `${count} fds`} of a file whose fds kept changing while they were compared (grouped ${ATTEMPTS} times, and each time the check that follows got other answers); each is listed as a description of its own, certain: false; --stop holds the processes still`,
      });
    }
    for (const [pid, count] of this.uncalledFds) {
      rows.push({
        pid,
        fd: null,
        ...this.uncalled(),
        message: `process ${pid}: kcmp not called for ${count === 1 ? '1 fd' : `${count} fds`}: ${this.notCalled()}; each is listed as a description of its own, certain: false; ${this.uncalledRemedy()}`,
      });
    }
    for (const { pid, syscall, errno, count } of this.uncompared.values()) {
      const fds = count === 1 ? '1 fd' : `${count} fds`;
      rows.push({
        pid,
        fd: null,
        syscall,
        errno,
        message: `process ${pid}: ${syscall} failed: ${errno} (${errnoMessage(errno)}) for ${fds}; each is listed as a description of its own, certain: false${hint(errno, syscall)}`,
      });
    }
    return rows.sort((a, b) => a.pid - b.pid || (a.fd ?? -1) - (b.fd ?? -1));
  }
}

/**
 * The error row of a call that failed for fd `fd` of process `pid` (null: the whole process), made through
 * task `tid` when that is not the leader. Its message names the call, the errno and its meaning once —
 * "fd 3 of process 12: stat failed: ENOENT (No such file or directory); it went away during the scan" —
 * and never quotes Node's text for the error.
 */
export function failedCallRow(
  pid: number,
  fd: number | null,
  syscall: string,
  errno: ErrnoName,
  tid?: number,
): ScanError {
  const process = tid === undefined || tid === pid ? `process ${pid}` : `process ${pid} (thread ${tid})`;
  const what = fd === null ? process : `fd ${fd} of ${process}`;
  return {
    pid,
    ...(tid === undefined || tid === pid ? {} : { tid }),
    fd,
    syscall,
    errno,
    message: `${what}: ${syscall} failed: ${errno} (${errnoMessage(errno)})${hint(errno, syscall)}`,
  };
}

/**
 * One row for `count` fds of process `pid` (`command`) whose `syscall` each failed with `errno`: fd null,
 * `fds` the count — "process 812 (foo): 322 fds could not be read: stat failed: EACCES (permission
 * denied); …". For a caller that sums up the rows of a process it was not asked about.
 */
export function failedFdsRow(
  pid: number,
  command: string,
  syscall: string,
  errno: ErrnoName,
  count: number,
): ScanError & { fds: number } {
  const process = command === '' ? `process ${pid}` : `process ${pid} (${command})`;
  const fds = count === 1 ? '1 fd' : `${count} fds`;
  return {
    pid,
    fd: null,
    syscall,
    errno,
    fds: count,
    message: `${process}: ${fds} could not be read: ${syscall} failed: ${errno} (${errnoMessage(errno)})${hint(errno, syscall)}`,
  };
}

/** A row that leaves nothing out: every fd of its process was read (not as an exact snapshot:
 * not-stopped), or only a detail is missing: a name (readlink) or a holder's fdinfo. */
export function omitsNothing(e: Pick<ScanError, 'reason' | 'syscall'>): boolean {
  return e.reason === 'not-stopped' || e.syscall === 'readlink' || e.syscall === 'fdinfo';
}

/** The remedy a row ends with. A refused kcmp or pidfd_getfd gets remedyFor()'s, which names the real cause:
 * a seccomp filter (refusing or killing) rather than the ptrace check, or a kernel without the call. */
function hint(errno: ErrnoName, syscall = ''): string {
  const e = errno;
  if ((syscall === 'kcmp' || syscall === 'pidfd_getfd') && (isPrivilege(e) || isNotSupported(e))) {
    const remedy = remedyFor({ syscall, errno: e });
    if (remedy) return `; ${remedy}`;
  }
  if (syscall === 'pidfd_getfd' && isPrivilege(e)) return `; ${REMEDY.ptraceAttach}`;
  if (errno === 'EMFILE') {
    return '; its file has more open file descriptions than --borrow may hold borrowed at once (half the fds RLIMIT_NOFILE leaves free): raise the limit (ulimit -n)';
  }
  if (isPrivilege(errno)) {
    return '; run as the same user as the process (which must be dumpable) or with CAP_SYS_PTRACE';
  }
  return isGone(errno) ? '; it went away during the scan' : '';
}
