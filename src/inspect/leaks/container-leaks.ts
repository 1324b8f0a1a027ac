/**
 * `kcmp leaks --container PID | --containers`: host files a running container can reach — the class of
 * runc's CVE-2024-21626, where a host directory fd inherited into the container let it open the host's
 * filesystem through /proc/self/fd/N. Read-only, from the host, after the fact:
 *
 *   containers (pid + mount namespace pairs, containers.ts)
 *     ├▶ (a) one fds scan of the containers and the processes outside them: every description a container
 *     │      process shares with a process outside its container (proven by kcmp, as in `kcmp fds`)
 *     └▶ (b) for each container process: every fd (fdinfo mnt_id), its cwd and its root (the mount of the
 *            /proc/PID/{cwd,root} link) on a mount its container's mount namespace does not contain
 *            (/proc/INIT/mountinfo) — found even when the process that passed the fd is gone
 *
 * A finding of (a) names one holder outside: the nearest (outside-holder.ts), the runtime that passed it
 * when that still holds it. Compared with every host process (selection 'all'), what is said of a host
 * process outside the containers is what was asked of it (host-wide-errors.ts): no row when it went away,
 * one per cause for its unreadable fds.
 *
 * What could not be read is never "nothing found": a process that may be in an audited container but
 * whose namespaces cannot be read (another user's, for an unprivileged caller: containers.ts), an audited
 * process that could not be wholly read, or one above it (its runtime) that could not, makes the audit
 * `undecided`.
 *
 * A container fd in (a) is one finding, whatever (b) says of it. fds 0–2 are the runtime's stdio (the
 * console, the log pipe): passed on purpose, they are listed as 'runtime-stdio' and do not count as found.
 * Files on kernel-internal mounts (pipes, sockets, anon inodes, memfds) are in no mountinfo at all and are
 * left to (a): their link names no path. (b) reads each process's own fd table (its leader's); a thread
 * that unshared its table (unshare(CLONE_FILES)) is covered by (a), which scans every table.
 */
import { assertOneOf, assertOptionalBoolean, assertPid } from '../../compare/validate.js';
import { ProcessGoneError } from '../../errors.js';
import { fsErrno } from '../../procfs/errors.js';
import { readDirectoryLink } from '../../procfs/exe.js';
import { readLink } from '../../procfs/fd-dir.js';
import { fdPath, statFd } from '../../procfs/fd-stat.js';
import { readFdInfo } from '../../procfs/fdinfo.js';
import { listFds } from '../../procfs/fds.js';
import type { KindName, StatTypeName } from '../../procfs/kinds.js';
import { kindOf, statTypeOf } from '../../procfs/kinds.js';
import { linkMountId, mountIds } from '../../procfs/mounts.js';
import { assertProcPidsAreOurs } from '../../procfs/namespaces.js';
import { type Selection, selectProcesses } from '../../procfs/select.js';
import { readStat } from '../../procfs/stat.js';
import { nowMs } from '../../util/clock.js';
import { ENGINE_REQUESTS } from '../fds/fd-engine.js';
import { type FdsOptions, inspectFds } from '../fds/fds.js';
import { failedCallRow } from '../fds/fds-problems.js';
import type { FdsReport, ScanError } from '../fds/fds-report.js';
import { assertScanOptions } from '../selection.js';
import { ancestorsOf, parentFromProc } from './ancestry.js';
import {
  CONTAINER_LEAK_TIER,
  CONTAINER_LEAKS_SCHEMA,
  type ContainerLeak,
  type ContainerLeakKind,
  type ContainerLeaksReport,
} from './container-leaks-report.js';
import { type Container, containerOf, containers, type UnreadableProcess } from './containers.js';
import { hostWideErrors } from './host-wide-errors.js';
import { wentAway } from './leak-finder.js';
import type { UndecidedProcess } from './leaks-report.js';
import { nearestOutside } from './outside-holder.js';

/** Which containers {@link inspectContainerLeaks} audits, and against which processes outside. */
export interface ContainerLeaksOptions extends Pick<FdsOptions, 'paranoid' | 'engine' | 'onEngine'> {
  /** One container, named by any of its processes; or every container among `selection`. */
  container: number | 'all';
  /** The processes outside the containers to compare against (and, with 'all', where to look for
   * containers): never implied; `{ kind: 'all' }` for every visible process. With `{ kind: 'all' }` the
   * host processes outside the containers are not what was asked about: the report's `errors` leave out
   * those that went away during the scan, and sum up each one's unreadable fds per cause (`fds`). */
  selection: Selection;
}

const RUNTIME_STDIO = 3;
/** A user can start a container with this many fds: the list stops here and says so in `stats`. */
const MAX_FINDINGS = 10_000;
/** A named selection can lose a process before it is scanned: retry without it this often. */
const MAX_RESELECT = 8;

/**
 * Audits containers (processes in another PID and mount namespace than ours) for host files they can
 * reach: descriptions shared with processes outside, and fds, cwds and roots on mounts outside their
 * mount namespace.
 *
 * @example
 * const report = await inspectContainerLeaks({ container: 'all', selection: { kind: 'all' } });
 * for (const l of report.leaks) console.log(l.container, l.kind, l.name);
 * @throws ProcessGoneError when the named container process does not exist; AccessDeniedError when its
 * namespaces cannot be read; InvalidArgumentError when the selection holds no user-space process.
 */
export async function inspectContainerLeaks(
  options: Partial<ContainerLeaksOptions> & Pick<ContainerLeaksOptions, 'container' | 'selection'>,
): Promise<ContainerLeaksReport> {
  assertScanOptions(options, 'inspectContainerLeaks');
  if (options.container !== 'all') assertPid(options.container, "container (a pid in it, or 'all')");
  assertOptionalBoolean(options.paranoid, 'paranoid option');
  if (options.engine !== undefined) assertOneOf(options.engine, ENGINE_REQUESTS, 'engine option');
  assertProcPidsAreOurs();
  const started = nowMs();
  const { selection } = options;
  const outside = selection.kind === 'all' ? null : selectProcesses(selection).map((p) => p.pid);
  const search =
    options.container === 'all' ? containers(outside ?? undefined) : containerOf(options.container);
  const audited = search.containers;
  const errors: ScanError[] = [];

  const fds = await scanShared(audited, outside, options, errors);
  const { leaks, errors: mountErrors } = auditContainers(fds, audited);
  errors.unshift(...fds.errors);
  errors.push(...mountErrors);
  const undecided = undecidedOf(fds, audited, errors, search.unreadable);
  const members = new Set(audited.flatMap((c) => c.processes));
  const command = new Map(fds.processes.map((p) => [p.pid, p.command]));
  const reported =
    outside === null
      ? hostWideErrors(
          errors,
          (pid) => members.has(pid),
          (pid) => command.get(pid) ?? '',
        )
      : errors;
  const listed = leaks.slice(0, MAX_FINDINGS);
  return {
    schema: CONTAINER_LEAKS_SCHEMA,
    containers: audited,
    leaks: listed,
    errors: reported,
    undecided,
    stats: {
      containers: audited.length,
      processes: fds.stats.processes,
      found: leaks.filter((l) => l.kind !== 'runtime-stdio').length,
      truncated: leaks.length - listed.length,
      errors: reported.length,
      undecided: undecided.length,
      comparisons: fds.stats.comparisons,
      elapsedMs: Math.round(nowMs() - started),
    },
  };
}

/**
 * (a) and (b) for `audited`, given an fds scan that covers their processes and those outside to compare
 * against; most dangerous first. Error rows are those of (b): the scan's are the caller's.
 */
export function auditContainers(
  fds: FdsReport,
  audited: readonly Container[],
): { leaks: ContainerLeak[]; errors: ScanError[] } {
  const errors: ScanError[] = [];
  const memberOf = new Map<number, Container>();
  for (const c of audited) for (const pid of c.processes) memberOf.set(pid, c);
  const leaks = [...sharedWithOutside(fds, memberOf)];
  const reported = new Set(leaks.map((l) => `${l.pid} ${l.fd}`));
  for (const c of audited) leaks.push(...foreignMounts(c, reported, errors));
  leaks.sort((x, y) => x.tier - y.tier || x.pid - y.pid || (x.fd ?? -1) - (y.fd ?? -1));
  return { leaks, errors };
}

/**
 * The processes that leave the audit undecided: `unreadable` ones (may be in a container, not placed);
 * audited processes with an error row other than "it went away"; and processes above an audited one with
 * such a row, with the audited processes below them.
 */
function undecidedOf(
  fds: FdsReport,
  audited: readonly Container[],
  errors: readonly ScanError[],
  unreadable: readonly UnreadableProcess[],
): UndecidedProcess[] {
  const command = new Map(fds.processes.map((p) => [p.pid, p.command]));
  const parent = new Map(fds.processes.map((p) => [p.pid, p.ppid]));
  const members = new Set(audited.flatMap((c) => c.processes));
  /** Each scanned process above an audited one, with the audited ones below it. */
  const below = new Map<number, number[]>();
  for (const pid of members) {
    const seen = new Set<number>();
    for (let p = parent.get(pid); p !== undefined && !seen.has(p); p = parent.get(p)) {
      seen.add(p);
      below.set(p, [...(below.get(p) ?? []), pid]);
    }
  }
  const undecided = new Map<number, UndecidedProcess>();
  for (const u of unreadable) {
    const { pid, command, errno, message } = u;
    undecided.set(pid, { pid, command, syscall: 'readlink', errno, message, descendants: [] });
  }
  for (const e of errors) {
    if (wentAway(e) || undecided.has(e.pid) || !(members.has(e.pid) || below.has(e.pid))) continue;
    undecided.set(e.pid, {
      pid: e.pid,
      command: command.get(e.pid) ?? '',
      syscall: e.syscall,
      errno: e.errno,
      ...(e.reason === undefined ? {} : { reason: e.reason }),
      message: e.message,
      descendants: members.has(e.pid) ? [] : (below.get(e.pid) ?? []),
    });
  }
  return [...undecided.values()].sort((a, b) => a.pid - b.pid);
}

/** The fds scan of the containers and everything outside them the selection names. */
async function scanShared(
  audited: readonly Container[],
  outside: number[] | null,
  options: Partial<ContainerLeaksOptions>,
  errors: ScanError[],
): Promise<FdsReport> {
  const scan = { ...options, all: false, fdinfo: false };
  if (outside === null) return inspectFds({ ...scan, selection: { kind: 'all' } });
  const pids = new Set([...outside, ...audited.flatMap((c) => c.processes)]);
  for (let attempt = 0; ; attempt++) {
    try {
      return await inspectFds({
        ...scan,
        selection: { kind: 'pids', pids: [...pids].sort((a, b) => a - b) },
      });
    } catch (error) {
      if (!(error instanceof ProcessGoneError) || attempt === MAX_RESELECT) throw error;
      pids.delete(error.pid); // exited since it was listed: counted, never fatal
      errors.push({ pid: error.pid, fd: null, syscall: 'select', errno: 'ESRCH', message: error.message });
    }
  }
}

/** (a): a container fd sharing its description with a process outside that container, which names the
 * nearest such holder (outside-holder.ts: its runtime, when that still holds it). */
function* sharedWithOutside(
  fds: FdsReport,
  memberOf: ReadonlyMap<number, Container>,
): Generator<ContainerLeak> {
  const ppid = new Map(fds.processes.map((p) => [p.pid, p.ppid]));
  const ancestors = ancestorsOf((pid) => ppid.get(pid) ?? parentFromProc(pid));
  for (const d of fds.descriptions) {
    for (const h of d.holders) {
      const c = memberOf.get(h.pid);
      if (!c) continue;
      const outside = d.holders.filter((o) => memberOf.get(o.pid) !== c);
      if (outside.length === 0) continue;
      const other = nearestOutside(h.pid, outside, ancestors);
      const kind: ContainerLeakKind =
        h.fd < RUNTIME_STDIO ? 'runtime-stdio' : d.type === 'DIR' ? 'host-directory' : 'host-fd';
      yield {
        kind,
        tier: CONTAINER_LEAK_TIER[kind],
        container: c.pid,
        pid: h.pid,
        fd: h.fd,
        command: h.command,
        type: d.type,
        stType: d.stType,
        name: d.name,
        outside: { pid: other.pid, fd: other.fd, command: other.command },
        mountId: null,
        certain: d.certain,
        method: d.method,
      };
    }
  }
}

/** (b): fds, cwd and root of the container's processes on mounts its mount namespace lacks. */
function* foreignMounts(
  c: Container,
  reported: ReadonlySet<string>,
  errors: ScanError[],
): Generator<ContainerLeak> {
  let own: Set<number>;
  try {
    own = mountIds(c.pid);
  } catch (error) {
    errors.push(problem(c.pid, null, 'mountinfo', error));
    return;
  }
  for (const pid of c.processes) {
    let command: string;
    try {
      command = readStat(pid).comm;
    } catch (error) {
      errors.push(problem(pid, null, 'stat', error));
      continue;
    }
    const finding = (
      fd: number | null,
      kind: ContainerLeakKind,
      file: FileOnMount,
      mountId: number,
    ): ContainerLeak => ({
      kind,
      tier: CONTAINER_LEAK_TIER[kind],
      container: c.pid,
      pid,
      fd,
      command,
      ...file,
      outside: null,
      mountId,
      certain: true,
      method: 'none',
    });
    for (const link of ['cwd', 'root'] as const) {
      try {
        const id = linkMountId(pid, link);
        if (!own.has(id))
          yield finding(
            null,
            `foreign-${link}`,
            { type: 'DIR', stType: 'DIR', name: linkTarget(pid, link) },
            id,
          );
      } catch (error) {
        errors.push(problem(pid, null, link, error));
      }
    }
    let fds: Int32Array;
    try {
      fds = listFds(pid);
    } catch (error) {
      errors.push(problem(pid, null, 'readdir', error));
      continue;
    }
    for (const fd of fds) {
      if (reported.has(`${pid} ${fd}`)) continue;
      try {
        const file = onMount(pid, fd);
        if (file === null) continue;
        const id = readFdInfo(pid, fd).mntId;
        if (!own.has(id)) yield finding(fd, fd < RUNTIME_STDIO ? 'runtime-stdio' : 'foreign-mount', file, id);
      } catch (error) {
        errors.push(problem(pid, fd, 'fdinfo', error));
      }
    }
  }
}

/** memfd_create files live on the kernel's internal shm mount, which no mountinfo lists. */
const MEMFD_PREFIX = '/memfd:';

/** A file on a mount, as a finding names it. Its link is a path: never a socket, whose TYPE would be its
 * protocol. */
interface FileOnMount {
  type: KindName;
  stType: StatTypeName;
  name: string;
}

/** The type and link name of an fd whose file lives on a mount (its link is a path), or null. */
function onMount(pid: number, fd: number): FileOnMount | null {
  const name = readLink(fdPath(pid, fd));
  if (!name.startsWith('/') || name.startsWith(MEMFD_PREFIX)) return null;
  const { mode } = statFd(pid, fd);
  return { type: kindOf(mode, name).name, stType: statTypeOf(mode), name };
}

/** Where PID's cwd or root is, as the host names it; the link's own name if it cannot be read now. */
function linkTarget(pid: number, link: 'cwd' | 'root'): string {
  return readDirectoryLink(pid, link) ?? link;
}

/** An error row; a process or fd gone mid-scan is one too (ENOENT, ESRCH): counted, never fatal. */
function problem(pid: number, fd: number | null, syscall: string, error: unknown): ScanError {
  return failedCallRow(pid, fd, syscall, fsErrno(error));
}
