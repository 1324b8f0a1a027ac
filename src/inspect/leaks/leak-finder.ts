/**
 * Finding leaks in a kcmp.fds/2 report: open file descriptions a child shares with its parent or another
 * ancestor, other than stdin/stdout/stderr.
 *
 *   fds scan (shared descriptions, with fdinfo flags and close-on-exec bits)
 *     └▶ per description, per holding process C (fd > 2):
 *          walk C's ancestors to the nearest one A that also holds it (fd > 2) ─▶ A:fd → C:fd
 *     └▶ case (leak-case.ts): exec ─▶ a leak; fork ─▶ listed with `fork` only where risky; unknown ─▶ a leak
 *     └▶ kind (leak-kinds.ts) ─▶ fix for these fds (leak-advice.ts) ─▶ rank ─▶ kcmp.leaks/2
 *   error rows of processes with a selected relative ─▶ undecided (never "no leak")
 *
 * Cost: linear in the holders. Each process's ancestor chain is read once (memoised), each description's
 * holders are grouped per process in one pass, and only a process holding one description under several
 * fds sorts them. A leak is only ever reported for holders the scan proved to share one description (kcmp,
 * or the socket-inode rule), so "shared" is never a guess. Processes that share one fd table (CLONE_FILES)
 * hold the same fds without having inherited copies: that is no leak, and neither is the sharing of two
 * processes whose fd tables could not be compared (KCMP_FILES refused or blocked: they may be one table).
 */
import { SocketTables } from '../../netlink/socket-tables.js';
import { readExeIdentity } from '../../procfs/exe.js';
import { FdDir } from '../../procfs/fd-dir.js';
import { accessMode, readFdInfo } from '../../procfs/fdinfo.js';
import { listFds } from '../../procfs/fds.js';
import { readStat } from '../../procfs/stat.js';
import { isGone } from '../../sys/errno.js';
import { omitsNothing } from '../fds/fds-problems.js';
import type { Description, FdsReport, Holder, ScanError } from '../fds/fds-report.js';
import { ancestorsOf, memo, parentFromProc } from './ancestry.js';
import { adviceFor } from './leak-advice.js';
import { leakCase, type ProgramFacts } from './leak-case.js';
import { LEAK_KINDS, leakKind } from './leak-kinds.js';
import type { Leak, LeakEnd, UndecidedProcess } from './leaks-report.js';

/** What the leak finder asks the system beyond the fds report; a fake one makes it testable offline. */
export interface LeakProbe {
  /** The parent of a process the report does not list (to walk through it to an ancestor), if known. */
  parentOf(pid: number): number | undefined;
  /** Whether socket inode `inode` held by `pid` is listening; null when unknown. */
  listening(pid: number, inode: number): boolean | null;
  /** The executable file and stack layout of `pid` (leak-case.ts). */
  program(pid: number): ProgramFacts;
  /** The fds of `pid` open for reading whose /proc link reads `name`; null when unreadable. */
  readersNamed(pid: number, name: string): number[] | null;
}

export interface FinderOptions {
  /** List fork-without-exec sharing where it is risky (a pipe's reader holding its write end). */
  fork: boolean;
}

export interface LeakFindings {
  /** Most likely a bug first. */
  leaks: Leak[];
  /** Child fds shared after a fork without exec and not listed. */
  forkShared: number;
  undecided: UndecidedProcess[];
}

/** stdin, stdout and stderr are inherited on purpose. */
const FIRST_NON_STDIO_FD = 3;

/** "argStart:envStart:startStack", or null when the kernel hid them (0: no ptrace read access). */
function layoutOf(pid: number): string | null {
  try {
    const s = readStat(pid);
    return s.argStart === 0 ? null : `${s.argStart}:${s.envStart}:${s.startStack}`;
  } catch {
    return null;
  }
}

/** The link target of each fd of `pid`, read once: link → fds. */
function linksOf(pid: number): Map<string, number[]> | null {
  let fds: Int32Array;
  try {
    fds = listFds(pid);
  } catch {
    return null;
  }
  const byLink = new Map<string, number[]>();
  const dir = new FdDir(pid);
  try {
    for (const fd of fds) {
      if (dir.readlink(fd) !== 0) continue; // closed since it was listed: not a leak to report
      const list = byLink.get(dir.name);
      if (list) list.push(fd);
      else byLink.set(dir.name, [fd]);
    }
  } finally {
    dir.close();
  }
  return byLink;
}

function readable(pid: number, fd: number): boolean {
  try {
    const mode = accessMode(readFdInfo(pid, fd).flags);
    return mode === 'r' || mode === 'rw';
  } catch {
    return false;
  }
}

/**
 * Whether socket `inode` held by `pid` is listening, from the sock_diag dumps of `pid`'s network namespace
 * (or its /proc/PID/net tables when setns is refused). A TCP listener and an AF_UNIX socket after listen(2)
 * both have sk_state TCP_LISTEN, which the dumps report as it is (the /proc fallback reads it from `st` 0A
 * and from unix `Flags` __SO_ACCEPTCON). A socket no family read knows (SCTP, vsock, or closed since) or
 * whose namespace could not be read is unknown: null, never "not listening".
 */
function listeningIn(sockets: SocketTables, pid: number, inode: number): boolean | null {
  const s = sockets.find(pid, inode);
  return s === undefined || 'errno' in s ? null : s.state === 'LISTEN';
}

/** A probe reading this system through /proc and the socket tables `sockets`. */
function systemProbe(sockets: SocketTables): LeakProbe {
  const links = memo(linksOf);
  return {
    parentOf: parentFromProc,
    listening: (pid, inode) => listeningIn(sockets, pid, inode),
    program: memo((pid: number) => ({ exe: readExeIdentity(pid), layout: layoutOf(pid) })),
    readersNamed(pid, name) {
      const fds = links(pid);
      return fds === null ? null : (fds.get(name) ?? []).filter((fd) => readable(pid, fd));
    },
  };
}

/** findLeaks over a report of this system's processes, asking this system; its sock_diag sockets are closed after. */
export function findSystemLeaks(report: FdsReport, options?: FinderOptions): LeakFindings {
  const sockets = new SocketTables();
  try {
    return findLeaks(report, systemProbe(sockets), options);
  } finally {
    sockets.close();
  }
}

function byFd(a: Holder, b: Holder): number {
  return a.fd - b.fd;
}

/** Each pid's holders (fd > 2) of one description, fds ascending. */
function holdersByPid(d: Description): Map<number, Holder[]> {
  const held = new Map<number, Holder[]>();
  for (const h of d.holders) {
    if (h.fd < FIRST_NON_STDIO_FD) continue;
    const list = held.get(h.pid);
    if (list === undefined) held.set(h.pid, [h]);
    else list.push(h);
  }
  for (const list of held.values()) if (list.length > 1) list.sort(byFd);
  return held;
}

function end(h: Holder): LeakEnd {
  return { pid: h.pid, fd: h.fd, command: h.command, cloexec: h.cloexec ?? null };
}

/** Every leak in a kcmp.fds/2 report, and what could not be decided. */
export function findLeaks(
  report: FdsReport,
  probe: LeakProbe,
  options: FinderOptions = { fork: false },
): LeakFindings {
  const ppid = new Map(report.processes.map((p) => [p.pid, p.ppid]));
  const tableOf = new Map(report.processes.map((p) => [p.pid, p.fdTableOf ?? p.pid]));
  const uncompared = new Set(report.processes.filter((p) => p.fdTableCompared === false).map((p) => p.pid));
  const mayShareTable = (a: number, c: number): boolean =>
    tableOf.get(a) === tableOf.get(c) || uncompared.has(a) || uncompared.has(c);
  const ancestors = ancestorsOf((pid) => ppid.get(pid) ?? probe.parentOf(pid));
  const leaks: Leak[] = [];
  let forkShared = 0;
  for (const d of report.descriptions) {
    if (d.holders.length < 2) continue;
    const held = holdersByPid(d);
    if (held.size < 2) continue;
    /** An ancestor's holders by fd number, built once per description and ancestor. */
    const byFdOf = memo((pid: number) => new Map((held.get(pid) ?? []).map((h) => [h.fd, h])));
    for (const [pid, childFds] of held) {
      const chain = ancestors(pid);
      const at = chain.findIndex((p) => held.has(p));
      const ancestor = chain[at];
      if (ancestor === undefined || mayShareTable(ancestor, pid)) continue;
      const lowest = (held.get(ancestor) as Holder[])[0] as Holder;
      const leakCaseOf = leakCase(probe.program(ancestor), probe.program(pid));
      for (const c of childFds) {
        // The same fd number in the ancestor is the one fork copied, when it still holds it.
        const a = byFdOf(ancestor).get(c.fd) ?? lowest;
        const flags = c.flags ?? a.flags ?? null;
        const mode = flags === null ? null : accessMode(flags);
        const listening = d.stType === 'SOCK' ? probe.listening(a.pid, d.ino) : null;
        const kind = leakKind({ type: d.type, stType: d.stType, name: d.name, mode, flags, listening });
        let reader: Leak['reader'] = null;
        if (leakCaseOf === 'fork') {
          reader = options.fork && kind === 'pipe-write-end' ? readerOf(d, [c, a], probe) : null;
          if (reader === null) {
            forkShared++;
            continue;
          }
        }
        const ancestorEnd = end(a);
        const childEnd = end(c);
        leaks.push({
          kind,
          tier: LEAK_KINDS[kind].tier,
          description: d.id,
          type: d.type,
          stType: d.stType,
          name: d.name,
          mode,
          ancestor: ancestorEnd,
          child: childEnd,
          generations: at + 1,
          sameProgram: sameProgram(probe.program(a.pid), probe.program(c.pid)),
          case: leakCaseOf,
          reader,
          certain: d.certain,
          method: d.method,
          fix: adviceFor({ case: leakCaseOf, kind, reader, ancestor: ancestorEnd, child: childEnd }),
        });
      }
    }
  }
  return { leaks: ranked(leaks), forkShared, undecided: undecided(report, ancestors) };
}

function sameProgram(a: ProgramFacts, c: ProgramFacts): boolean | null {
  return a.exe === null || c.exe === null ? null : a.exe === c.exe;
}

/** The first of `holders` (child first) whose process also reads the pipe `d` is the write end of. */
function readerOf(d: Description, holders: Holder[], probe: LeakProbe): Leak['reader'] {
  for (const h of holders) {
    const fd = probe.readersNamed(h.pid, d.name)?.[0];
    if (fd !== undefined) return { pid: h.pid, fd };
  }
  return null;
}

function ranked(leaks: Leak[]): Leak[] {
  const deliberate = (l: Leak): number => (l.case === 'exec' ? 0 : l.case === 'unknown' ? 1 : 2);
  return leaks.sort(
    (x, y) =>
      x.tier - y.tier ||
      deliberate(x) - deliberate(y) ||
      x.child.pid - y.child.pid ||
      x.child.fd - y.child.fd ||
      x.ancestor.pid - y.ancestor.pid,
  );
}

/** An fd or process that is gone (closed, exited, replaced, a zombie with no fd table left) leaks nothing now. */
export function wentAway(e: ScanError): boolean {
  return e.errno === null ? e.reason === 'zombie' || e.reason === 'replaced' : isGone(e.errno);
}

/**
 * Processes whose fds could not all be read or compared (error rows other than "it went away" and those
 * that leave nothing out, as a traced process --stop did not stop: read as a scan without --stop), when a
 * selected process is their ancestor or descendant: leaks between them cannot be ruled out.
 */
function undecided(report: FdsReport, ancestors: (pid: number) => number[]): UndecidedProcess[] {
  const command = new Map(report.processes.map((p) => [p.pid, p.command]));
  const failed = new Map<number, UndecidedProcess>();
  for (const e of report.errors) {
    if (wentAway(e) || omitsNothing(e) || failed.has(e.pid)) continue;
    const { pid, syscall, errno, message } = e;
    const reason = e.reason === undefined ? {} : { reason: e.reason };
    failed.set(pid, {
      pid,
      command: command.get(pid) ?? '',
      syscall,
      errno,
      ...reason,
      message,
      descendants: [],
    });
  }
  if (failed.size === 0) return [];
  const relevant = new Set<number>();
  for (const { pid } of report.processes) {
    for (const a of ancestors(pid)) {
      if (!command.has(a)) continue;
      const above = failed.get(a);
      if (above) {
        above.descendants.push(pid);
        relevant.add(a);
      }
      if (failed.has(pid)) relevant.add(pid);
    }
  }
  return [...failed.values()].filter((u) => relevant.has(u.pid)).sort((x, y) => x.pid - y.pid);
}
