/**
 * Which processes a scan covers: every visible process, a list of pids (as lsfd's -p takes them), or a
 * process and its descendants (--tree). Each selected process is recorded with its identity — pid and
 * start time (field 22 of /proc/PID/stat) — so a scan can tell, when it ends, whether the pid still names
 * the same process (identity.ts).
 *
 * Named pids must exist when the selection is made (a typo is an error, not an empty report). Processes
 * found by listing, which may exit before we read them, are skipped quietly: a process that is gone before
 * it was read was never part of the snapshot. Kernel threads have no fd table worth listing and are left
 * out of listings. The caller's own process is left out of listings too (its fds change while it scans);
 * naming it with -p includes it. A selection left with nothing but kernel threads — or nothing at all — is
 * an error, never an empty report that would read as "nothing found".
 */
import { InvalidArgumentError, ProcessGoneError } from '../errors.js';
import { listPids, listTasks, processTree } from './processes.js';
import { isKernelThread, isZombie, type ProcStat, readStat } from './stat.js';

/**
 * Which processes a scan covers: `{ kind: 'all' }` every process visible in our PID namespace (never
 * implied: a library call scans the machine only when asked); `{ kind: 'pids', pids }` the named
 * processes (or threads), which must exist; `{ kind: 'tree', root }` a process and all its descendants.
 *
 * @example
 * await inspectFds({ selection: { kind: 'tree', root: process.pid } });
 * await inspectTasks({ selection: { kind: 'pids', pids: [1234, 5678] } });
 */
export type Selection =
  | { kind: 'all' }
  | {
      kind: 'pids';
      /** The processes (or threads) to scan, by id in our PID namespace. */
      pids: readonly number[];
    }
  | {
      kind: 'tree';
      /** The process whose whole tree (it and every descendant) is scanned. */
      root: number;
    }
  | {
      /** The named pids, then each tree's members not named before (lsfd's repeated -p and --tree). */
      kind: 'union';
      /** The processes named one by one. */
      pids: readonly number[];
      /** The processes whose whole trees are scanned too. */
      roots: readonly number[];
    };

export interface SelectedProcess {
  pid: number;
  ppid: number;
  command: string;
  startTime: number;
  /** Exited, not reaped: no fd table left. */
  zombie: boolean;
  /** Its tasks (threads), leader first. */
  tasks: number[];
}

/**
 * Reads the selected processes. Throws ProcessGoneError/InvalidArgumentError for a bad named pid, and
 * InvalidArgumentError when no user-space process is left to scan.
 */
export function selectProcesses(selection: Selection, self = process.pid): SelectedProcess[] {
  const selected: SelectedProcess[] = [];
  const kernelThreads: ProcStat[] = [];
  if (selection.kind === 'all') {
    addListed(selected, listPids(), self, new Set(), kernelThreads);
    return scannable(selected, kernelThreads, 'every process');
  }
  const visible = new Set(listPids());
  const { pids, roots } = partsOf(selection);
  let namedKernelThreads = 0;
  for (const pid of pids) {
    const stat = named(pid, visible);
    if (isKernelThread(stat)) {
      kernelThreads.push(stat);
      namedKernelThreads++;
    }
    selected.push(describe(pid, stat));
  }
  const seen = new Set(pids);
  for (const root of roots) {
    named(root, visible);
    addListed(selected, processTree(root), self, seen, kernelThreads);
  }
  const what = [
    ...(pids.length > 0 ? [`${pids.length === 1 ? 'process' : 'processes'} ${pids.join(', ')}`] : []),
    ...roots.map((root) => `the tree of ${root}`),
  ].join(' and ');
  return scannable(selected.length > namedKernelThreads ? selected : [], kernelThreads, what);
}

/**
 * `selected`, unless it holds no user-space process: kernel threads (PF_KTHREAD) have no fd table, memory
 * or fs of their own, and kcmp itself is left out of listings, so such a selection has nothing to scan and
 * an empty report would read as "nothing found". `what`: the selection in words, for the error.
 */
function scannable(
  selected: SelectedProcess[],
  kernelThreads: readonly ProcStat[],
  what: string,
): SelectedProcess[] {
  if (selected.length > 0) return selected;
  const names = kernelThreads.slice(0, 3).map((k) => `${k.pid} (${k.comm})`);
  const more = kernelThreads.length > 3 ? ` and ${kernelThreads.length - 3} more` : '';
  const why =
    kernelThreads.length === 0
      ? 'holds no process but kcmp itself'
      : `holds no user-space process: ${names.join(', ')}${more} ${kernelThreads.length === 1 ? 'is a kernel thread, which has' : 'are kernel threads, which have'} no fds, memory or fs of their own`;
  throw new InvalidArgumentError(`nothing to scan: the selection (${what}) ${why}`, {
    remedy: 'name a user-space process (ps -ef shows kernel threads in [brackets])',
  });
}

function partsOf(selection: Exclude<Selection, { kind: 'all' }>): {
  pids: readonly number[];
  roots: readonly number[];
} {
  if (selection.kind === 'pids') return { pids: selection.pids, roots: [] };
  if (selection.kind === 'tree') return { pids: [], roots: [selection.root] };
  return selection;
}

/** Adds the listed pids not in `seen` (which gains them), less `self`, kernel threads (added to
 * `kernelThreads`) and those gone. */
function addListed(
  selected: SelectedProcess[],
  pids: readonly number[],
  self: number,
  seen: Set<number>,
  kernelThreads: ProcStat[],
): void {
  for (const pid of pids) {
    if (pid === self || seen.has(pid)) continue;
    seen.add(pid);
    let stat: ProcStat;
    try {
      stat = readStat(pid);
    } catch {
      continue; // exited while we listed
    }
    if (isKernelThread(stat)) kernelThreads.push(stat);
    else selected.push(describe(pid, stat));
  }
}

/** The stat of a pid the user named: it must exist and be a process, not a thread of one. */
function named(pid: number, visible: ReadonlySet<number>): ProcStat {
  let stat: ProcStat;
  try {
    stat = readStat(pid);
  } catch (cause) {
    throw new ProcessGoneError(pid, undefined, { cause });
  }
  if (!visible.has(pid)) {
    throw new InvalidArgumentError(
      `${pid} is a thread, not a process: name its process (Tgid in /proc/${pid}/status) instead`,
    );
  }
  return stat;
}

/**
 * Process `p` read again — its state, command and tasks as they are now — if it is still the process that
 * was selected (the same start time); undefined if it is gone or its pid names another process.
 */
export function reselect(p: SelectedProcess): SelectedProcess | undefined {
  let stat: ProcStat;
  try {
    stat = readStat(p.pid);
  } catch {
    return undefined;
  }
  return stat.startTime === p.startTime ? describe(p.pid, stat) : undefined;
}

function describe(pid: number, stat: ProcStat): SelectedProcess {
  return {
    pid,
    ppid: stat.ppid,
    command: stat.comm,
    startTime: stat.startTime,
    zombie: isZombie(stat),
    tasks: listTasks(pid),
  };
}
