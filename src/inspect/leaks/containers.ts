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
 */
import { InvalidArgumentError, ProcessGoneError } from '../../errors.js';
import { readCgroupPath, unitOf } from '../../procfs/cgroup.js';
import { fsErrno } from '../../procfs/errors.js';
import { namespaceOf } from '../../procfs/namespaces.js';
import { listPids } from '../../procfs/processes.js';

export interface Container {
  /** Its lowest host pid: its init, unless that exited. */
  pid: number;
  /** "pid:[4026532301]" and "mnt:[4026532299]": the namespace links all its processes share. */
  pidNamespace: string;
  mountNamespace: string;
  /** The cgroup (and the systemd unit it belongs to) of `pid`: how a monitoring system names it. */
  cgroup: string | null;
  unit: string | null;
  /** Host pids, ascending. */
  processes: number[];
}

interface Namespaces {
  pid: string;
  mnt: string;
}

function namespacesOf(pid: number): Namespaces | null {
  try {
    return { pid: namespaceOf(pid, 'pid'), mnt: namespaceOf(pid, 'mnt') };
  } catch (error) {
    fsErrno(error); // rethrows anything that is not an fs error
    return null; // gone, or not ours to read: not part of the snapshot
  }
}

/** Every process of `candidates` grouped by namespace pair, in pid order. */
function byNamespaces(candidates: readonly number[]): Map<string, { ns: Namespaces; pids: number[] }> {
  const groups = new Map<string, { ns: Namespaces; pids: number[] }>();
  for (const pid of candidates) {
    const ns = namespacesOf(pid);
    if (!ns) continue;
    const key = `${ns.pid} ${ns.mnt}`;
    const group = groups.get(key) ?? { ns, pids: [] };
    group.pids.push(pid);
    groups.set(key, group);
  }
  return groups;
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
 * The container `pid` belongs to: every process in its pid and mount namespaces.
 * @throws ProcessGoneError; InvalidArgumentError when `pid` shares both namespaces with kcmp (the host).
 */
export function containerOf(pid: number): Container {
  const ns = namespacesOf(pid);
  if (!ns) throw new ProcessGoneError(pid);
  if (ns.pid === namespaceOf('self', 'pid') && ns.mnt === namespaceOf('self', 'mnt')) {
    throw new InvalidArgumentError(
      `process ${pid} is not in a container: it shares kcmp's pid and mount namespaces; name a process inside one, or use --containers`,
    );
  }
  const group = byNamespaces(listPids()).get(`${ns.pid} ${ns.mnt}`);
  return container(ns, group?.pids ?? [pid]);
}

/** Every container among `candidates` (default: every process): pid namespace not the host's. */
export function containers(candidates: readonly number[] = listPids()): Container[] {
  const host = namespaceOf('self', 'pid');
  return [...byNamespaces(candidates).values()]
    .filter((g) => g.ns.pid !== host)
    .map((g) => container(g.ns, g.pids))
    .sort((a, b) => a.pid - b.pid);
}
