/**
 * Which processes form a container, as the host sees them: those in one pid namespace AND one mount
 * namespace — what a runtime (runc, crun, `unshare --pid --mount --fork`) gives a container's init and
 * everything it starts.
 *
 * `containers()` lists every distinct (pid, mnt) namespace pair whose pid namespace is not the host's. A
 * process in the host's pid namespace with a private mount namespace (systemd's PrivateTmp= or
 * ProtectSystem=, `unshare -m`) is a sandboxed host process, not a container: name it with
 * `--container PID` to audit it all the same. Namespace links are read once, so a process that changes
 * namespace (setns) during the scan is grouped where it was when read.
 *
 * The host's pid namespace is the one kcmp runs in (the one whose pids /proc lists): run it with the
 * host's pids (hostPID in Kubernetes). pid 1's link is not used: reading it needs ptrace access to init,
 * which a sandbox may refuse.
 *
 * Reading /proc/PID/ns/* needs ptrace read access (PTRACE_MODE_READ_FSCREDS): as an unprivileged user,
 * another user's process cannot be placed. It is not left out as if it were in no container: where it may
 * be in one, it is returned as `unreadable`, and the audit is undecided. Whether it may be is told by its
 * NSpid line (/proc/PID/status, readable by anyone, Linux 4.1): one pid per PID namespace from /proc's —
 * ours, which every scan checks — down to its own, so its length is how deep below ours it runs, and a
 * container's processes all run at the depth of its init. A process at another depth is in none of the
 * audited containers; one whose depth cannot be read may be in any.
 */
import { AccessDeniedError, InvalidArgumentError, ProcessGoneError } from '../../errors.js';
import { readCgroupPath, unitOf } from '../../procfs/cgroup.js';
import { fsErrno } from '../../procfs/errors.js';
import { namespaceOf } from '../../procfs/namespaces.js';
import { listPids } from '../../procfs/processes.js';
import { readStat } from '../../procfs/stat.js';
import { readStatus } from '../../procfs/status.js';
import { type ErrnoName, errnoMessage, isGone } from '../../sys/errno.js';

/** A container: the processes in one PID namespace (not ours) and one mount namespace. */
export interface Container {
  /** Its lowest host pid: its init, unless that exited. */
  pid: number;
  /** "pid:[4026532301]" and "mnt:[4026532299]": the namespace links all its processes share. */
  pidNamespace: string;
  /** Its mount namespace link, e.g. "mnt:[4026532299]". */
  mountNamespace: string;
  /** The cgroup (and the systemd unit it belongs to) of `pid`: how a monitoring system names it. */
  cgroup: string | null;
  /** The systemd unit of that cgroup ("docker-….scope"), or null. */
  unit: string | null;
  /** Host pids, ascending. */
  processes: number[];
}

/** A process that may be in an audited container, whose namespace links could not be read. */
export interface UnreadableProcess {
  pid: number;
  /** Its comm (/proc/PID/stat is readable by anyone), or '' if it exited meanwhile. */
  command: string;
  /** What readlink of /proc/PID/ns/pid failed with (EACCES: no ptrace read access). */
  errno: ErrnoName;
  /** One line: what could not be read, and what it leaves undecided. */
  message: string;
}

/** The containers found, and the processes that may belong to one but could not be placed. */
export interface ContainerSearch {
  containers: Container[];
  unreadable: UnreadableProcess[];
}

interface Namespaces {
  pid: string;
  mnt: string;
}

/** A process's namespaces, or the errno that refused them (gone: ENOENT, ESRCH; refused: EACCES, EPERM). */
function namespacesOf(pid: number): Namespaces | ErrnoName {
  try {
    return { pid: namespaceOf(pid, 'pid'), mnt: namespaceOf(pid, 'mnt') };
  } catch (error) {
    return fsErrno(error); // rethrows anything that is not an fs error
  }
}

function commandOf(pid: number): string {
  try {
    return readStat(pid).comm;
  } catch {
    return '';
  }
}

/** How many PID namespaces deep below ours `pid` runs, plus one (its NSpid count); 0 when unknown. */
function depthOf(pid: number): number {
  try {
    return readStatus(pid).nspid.length;
  } catch {
    return 0;
  }
}

/** Every process of `candidates` grouped by namespace pair, in pid order; those refused, with their depth. */
function byNamespaces(candidates: readonly number[]): {
  groups: Map<string, { ns: Namespaces; pids: number[] }>;
  refused: { pid: number; errno: ErrnoName; depth: number }[];
} {
  const groups = new Map<string, { ns: Namespaces; pids: number[] }>();
  const refused: { pid: number; errno: ErrnoName; depth: number }[] = [];
  for (const pid of candidates) {
    const ns = namespacesOf(pid);
    if (typeof ns === 'string') {
      // Gone: not part of the snapshot. Refused: placed below, if it may be in a container.
      if (!isGone(ns)) refused.push({ pid, errno: ns, depth: depthOf(pid) });
      continue;
    }
    const key = `${ns.pid} ${ns.mnt}`;
    const group = groups.get(key) ?? { ns, pids: [] };
    group.pids.push(pid);
    groups.set(key, group);
  }
  return { groups, refused };
}

function container(ns: Namespaces, pids: number[]): Container {
  const pid = pids[0] as number;
  const cgroup = readCgroupPath(pid);
  return {
    pid,
    pidNamespace: ns.pid,
    mountNamespace: ns.mnt,
    cgroup,
    unit: cgroup === null ? null : unitOf(cgroup),
    processes: pids,
  };
}

/**
 * The refused processes that may be where the audited containers are: at `depth` (a container's init's),
 * 'nested' (any depth below ours: every container), or 'any' (a container whose depth is unknown). A
 * process whose own depth is unknown (0) may be anywhere.
 */
function unreadableAt(
  refused: readonly { pid: number; errno: ErrnoName; depth: number }[],
  depth: number | 'nested' | 'any',
): UnreadableProcess[] {
  const mayBe = (d: number) => d === 0 || depth === 'any' || (depth === 'nested' ? d > 1 : d === depth);
  return refused
    .filter((r) => mayBe(r.depth))
    .map(({ pid, errno }) => ({
      pid,
      command: commandOf(pid),
      errno,
      message: `process ${pid}: readlink /proc/${pid}/ns/pid failed: ${errno} (${errnoMessage(errno)}): whether it is in a container, and what host files it can reach, is undecided`,
    }));
}

/**
 * The container `pid` belongs to: every process in its pid and mount namespaces, and the processes that
 * may be in it but could not be placed.
 * @throws ProcessGoneError; AccessDeniedError when `pid`'s namespaces cannot be read; InvalidArgumentError
 * when `pid` shares both namespaces with kcmp (the host).
 */
export function containerOf(pid: number): ContainerSearch {
  const ns = namespacesOf(pid);
  if (typeof ns === 'string') {
    if (isGone(ns)) throw new ProcessGoneError(pid);
    throw new AccessDeniedError(
      pid,
      `cannot tell which container process ${pid} is in: readlink /proc/${pid}/ns/pid failed: ${ns} (${errnoMessage(ns)})`,
      {
        code: ns === 'EACCES' ? 'EACCES' : 'EPERM',
        remedy: "reading a process's namespaces needs ptrace read access to it: run as root, or as its user",
      },
    );
  }
  if (ns.pid === namespaceOf('self', 'pid') && ns.mnt === namespaceOf('self', 'mnt')) {
    throw new InvalidArgumentError(
      `process ${pid} is not in a container: it shares kcmp's pid and mount namespaces; name a process inside one, or use --containers`,
    );
  }
  const { groups, refused } = byNamespaces(listPids());
  const members = groups.get(`${ns.pid} ${ns.mnt}`)?.pids ?? [pid];
  return { containers: [container(ns, members)], unreadable: unreadableAt(refused, depthOf(pid) || 'any') };
}

/** Every container among `candidates` (default: every process): pid namespace not the host's. */
export function containers(candidates: readonly number[] = listPids()): ContainerSearch {
  const host = namespaceOf('self', 'pid');
  const { groups, refused } = byNamespaces(candidates);
  return {
    containers: [...groups.values()]
      .filter((g) => g.ns.pid !== host)
      .map((g) => container(g.ns, g.pids))
      .sort((a, b) => a.pid - b.pid),
    unreadable: unreadableAt(refused, 'nested'),
  };
}
