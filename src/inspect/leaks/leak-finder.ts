/**
 * Finding leaks in a kcmp.fds/1 report: open file descriptions a child shares with its parent or another
 * ancestor, other than stdin/stdout/stderr — what fork+exec leaves behind when O_CLOEXEC is missing or a
 * close was forgotten.
 *
 *   fds scan (shared descriptions, with fdinfo flags)
 *     └▶ per description, per holding process C (fd > 2):
 *          walk C's ancestors to the nearest one A that also holds it (fd > 2) ─▶ a leak A:fd → C:fd
 *     └▶ classify (leak-kinds.ts: listening socket? pipe end? log? lock?) ─▶ rank ─▶ kcmp.leaks/1
 *
 * A leak is only ever reported for holders the scan proved to share one description (kcmp, or the
 * socket-inode rule), so "leaked" is never a guess; what it is and how likely a bug is a ranking, and the
 * "same program" flag is a heuristic that says so. Processes that share one fd table (CLONE_FILES) hold
 * the same fds without having inherited copies: that is no leak, and neither is the sharing of two
 * processes whose fd tables could not be compared (KCMP_FILES refused or blocked: they may be one table).
 */
import { readExe } from '../../procfs/exe.js';
import { accessMode } from '../../procfs/fdinfo.js';
import { ListeningSockets } from '../../procfs/listening.js';
import { readStat } from '../../procfs/stat.js';
import type { FdsReport, Holder } from '../fds/fds-report.js';
import { LEAK_KINDS, leakKind } from './leak-kinds.js';
import type { Leak } from './leaks-report.js';

/** What the leak finder asks the system beyond the fds report; a fake one makes it testable offline. */
export interface LeakProbe {
  /** The parent of a process the report does not list (to walk through it to an ancestor), if known. */
  parentOf(pid: number): number | undefined;
  /** Whether socket inode `inode` held by `pid` is listening; null when unknown. */
  listening(pid: number, inode: number): boolean | null;
  /** The executable of `pid`, or null when unreadable. */
  exe(pid: number): string | null;
}

/** Ancestor walks stop here: a pid loop (pid reuse between two reads) cannot spin. */
const MAX_GENERATIONS = 64;
/** stdin, stdout and stderr are inherited on purpose. */
const FIRST_NON_STDIO_FD = 3;

export function procfsProbe(): LeakProbe {
  const sockets = new ListeningSockets();
  const exes = new Map<number, string | null>();
  return {
    parentOf(pid) {
      try {
        return readStat(pid).ppid;
      } catch {
        return undefined;
      }
    },
    listening: (pid, inode) => sockets.isListening(pid, inode),
    exe(pid) {
      if (!exes.has(pid)) exes.set(pid, readExe(pid));
      return exes.get(pid) ?? null;
    },
  };
}

function byFd(a: Holder, b: Holder): number {
  return a.fd - b.fd;
}

/** Every leak in a kcmp.fds/1 report, most likely a bug first. */
export function findLeaks(report: FdsReport, probe: LeakProbe): Leak[] {
  const ppid = new Map(report.processes.map((p) => [p.pid, p.ppid]));
  const tableOf = new Map(report.processes.map((p) => [p.pid, p.fdTableOf ?? p.pid]));
  const uncompared = new Set(report.processes.filter((p) => p.fdTableCompared === false).map((p) => p.pid));
  const mayShareTable = (a: number, c: number): boolean =>
    tableOf.get(a) === tableOf.get(c) || uncompared.has(a) || uncompared.has(c);
  const parentOf = (pid: number): number | undefined => ppid.get(pid) ?? probe.parentOf(pid);
  const leaks: Leak[] = [];
  for (const d of report.descriptions) {
    if (d.holders.length < 2) continue;
    const held = new Map<number, Holder[]>();
    for (const h of d.holders) {
      if (h.fd >= FIRST_NON_STDIO_FD) held.set(h.pid, [...(held.get(h.pid) ?? []), h].sort(byFd));
    }
    for (const [pid, childFds] of held) {
      let generations = 0;
      let ancestor = parentOf(pid);
      while (ancestor !== undefined && ancestor > 0 && !held.has(ancestor) && generations < MAX_GENERATIONS) {
        generations++;
        ancestor = parentOf(ancestor);
      }
      const ancestorFds = ancestor === undefined ? undefined : held.get(ancestor);
      const a = ancestorFds?.[0];
      if (a === undefined || mayShareTable(a.pid, pid)) continue;
      for (const c of childFds) {
        const flags = c.flags ?? a.flags ?? null;
        const mode = flags === null ? null : accessMode(flags);
        const listening = d.type === 'SOCK' ? probe.listening(a.pid, d.ino) : null;
        const kind = leakKind({ type: d.type, name: d.name, mode, flags, listening });
        const exeA = probe.exe(a.pid);
        const exeC = probe.exe(c.pid);
        leaks.push({
          kind,
          tier: LEAK_KINDS[kind].tier,
          description: d.id,
          type: d.type,
          name: d.name,
          mode,
          ancestor: { pid: a.pid, fd: a.fd, command: a.command },
          child: { pid: c.pid, fd: c.fd, command: c.command },
          generations: generations + 1,
          sameProgram: exeA === null || exeC === null ? null : exeA === exeC,
          certain: d.certain,
          method: d.method,
          fix: LEAK_KINDS[kind].fix,
        });
      }
    }
  }
  const deliberate = (l: Leak): number => (l.sameProgram === false ? 0 : l.sameProgram === null ? 1 : 2);
  return leaks.sort(
    (x, y) =>
      x.tier - y.tier ||
      deliberate(x) - deliberate(y) ||
      x.child.pid - y.child.pid ||
      x.child.fd - y.child.fd ||
      x.ancestor.pid - y.ancestor.pid,
  );
}
