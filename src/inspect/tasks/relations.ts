/**
 * Explains task groups in clone()/unshare() terms: which flags would produce what two tasks share.
 *
 * The inference rests on how the kernel shares these objects (each observed on Linux 6.18):
 *   - CLONE_THREAD requires CLONE_SIGHAND, which requires CLONE_VM: every thread shares vm and sighand with
 *     its leader. pthread_create also passes CLONE_FILES, CLONE_FS and CLONE_SYSVSEM, so a thread whose
 *     files, fs or sysvsem differ from the leader's unshare()d them (or was made by a raw clone without
 *     them — the two are indistinguishable afterwards).
 *   - Between processes, each shared kind names its flag: vm CLONE_VM (vfork uses CLONE_VM|CLONE_VFORK),
 *     files CLONE_FILES, fs CLONE_FS, sighand CLONE_SIGHAND, io CLONE_IO, sysvsem CLONE_SYSVSEM.
 *   - execve unshares vm, files and sighand but keeps fs: an exec'd CLONE_FS child still
 *     shows CLONE_FS. Relations describe what is shared now, not the original flags.
 * Absent io/sysvsem (no object at all) is never "shared": those tasks are not in the groups.
 *
 * Each group holding several processes yields one relation per process, to an anchor: its parent when the
 * parent is in the same group, otherwise the lowest pid of the group. So a group of k processes gives k−1
 * relations, never k².
 */
import { TASK_RESOURCES, type TaskResource } from '../../compare/types.js';
import type { TaskInfo, TaskRelation, TasksReport } from './tasks-report.js';

const FLAG: Readonly<Record<TaskResource, string>> = {
  vm: 'CLONE_VM',
  files: 'CLONE_FILES',
  fs: 'CLONE_FS',
  sighand: 'CLONE_SIGHAND',
  io: 'CLONE_IO',
  sysvsem: 'CLONE_SYSVSEM',
};

/** What a thread normally shares with its leader but can unshare(). */
const UNSHAREABLE: readonly TaskResource[] = ['files', 'fs', 'sysvsem'];

type ClassIndex = Map<TaskResource, Map<number, number>>;

function indexClasses(groups: TasksReport['groups']): ClassIndex {
  const index: ClassIndex = new Map();
  for (const kind of TASK_RESOURCES) {
    const classes = groups[kind];
    if (!classes) continue;
    const byTid = new Map<number, number>();
    classes.forEach((members, i) => {
      for (const tid of members) byTid.set(tid, i);
    });
    index.set(kind, byTid);
  }
  return index;
}

function sharedKinds(index: ClassIndex, a: number, b: number): TaskResource[] {
  return TASK_RESOURCES.filter((kind) => {
    const byTid = index.get(kind);
    const ca = byTid?.get(a);
    return ca !== undefined && ca === byTid?.get(b);
  });
}

function threadRelation(index: ClassIndex, leader: TaskInfo | undefined, task: TaskInfo): TaskRelation {
  if (!leader) {
    return {
      kind: 'thread',
      from: task.pid,
      to: task.tid,
      parent: false,
      shared: [],
      unshared: [],
      flags: ['CLONE_THREAD'],
      text: `thread of ${task.pid} (leader not compared)`,
    };
  }
  const shared = sharedKinds(index, leader.tid, task.tid);
  // Compared kinds only: both in a group or both absent counts as "same"; anything else differs.
  const unshared = UNSHAREABLE.filter((kind) => {
    const byTid = index.get(kind);
    return byTid !== undefined && !shared.includes(kind) && byTid.get(leader.tid) !== byTid.get(task.tid);
  });
  const text = `thread of ${leader.pid}${unshared.length ? ` that unshared ${unshared.join(', ')}` : ''}`;
  return {
    kind: 'thread',
    from: leader.tid,
    to: task.tid,
    parent: false,
    shared,
    unshared,
    flags: ['CLONE_THREAD', ...shared.map((k) => FLAG[k])],
    text,
  };
}

function cloneText(shared: readonly TaskResource[], from: number, parent: boolean): string {
  const flags = shared.map((k) => FLAG[k]).join('|');
  const onlyVm = shared.length === 1 && shared[0] === 'vm';
  if (parent) return `${onlyVm ? 'vfork/CLONE_VM' : flags} child of ${from}`;
  return `shares ${shared.join(', ')} with ${from} (${flags})`;
}

/** The relations of every task to its thread-group leader and of every process to the processes it shares
 * something with. `to` is the described task; a process is represented by its leader (or first task). */
export function inferRelations(tasks: readonly TaskInfo[], groups: TasksReport['groups']): TaskRelation[] {
  const index = indexClasses(groups);
  const processes = new Map<number, TaskInfo[]>();
  for (const task of tasks) {
    const list = processes.get(task.pid);
    if (list) list.push(task);
    else processes.set(task.pid, [task]);
  }
  const representative = (pid: number): TaskInfo | undefined => {
    const list = processes.get(pid);
    return list?.find((t) => t.tid === pid) ?? list?.[0];
  };

  const relations: TaskRelation[] = [];
  for (const task of tasks) {
    if (task.tid !== task.pid) relations.push(threadRelation(index, representative(task.pid), task));
  }

  // Process pairs: for each group spanning several processes, anchor each process to its parent or to the
  // group's lowest pid; collect the kinds per pair.
  const tidToPid = new Map(tasks.map((t) => [t.tid, t.pid]));
  const pairs = new Map<string, { from: number; to: number; parent: boolean; kinds: Set<TaskResource> }>();
  for (const kind of TASK_RESOURCES) {
    for (const members of groups[kind] ?? []) {
      const pids = [...new Set(members.map((tid) => tidToPid.get(tid) as number))];
      if (pids.length < 2) continue;
      const lowest = pids.reduce((a, b) => Math.min(a, b));
      for (const pid of pids) {
        const ppid = representative(pid)?.ppid;
        const parent = ppid !== undefined && ppid !== pid && pids.includes(ppid);
        const anchor = parent ? (ppid as number) : lowest;
        if (anchor === pid) continue;
        const key = `${anchor}:${pid}`;
        const pair = pairs.get(key) ?? { from: anchor, to: pid, parent, kinds: new Set<TaskResource>() };
        pair.kinds.add(kind);
        pairs.set(key, pair);
      }
    }
  }
  for (const pair of pairs.values()) {
    const from = representative(pair.from);
    const to = representative(pair.to);
    if (!from || !to) continue;
    const shared = TASK_RESOURCES.filter((k) => pair.kinds.has(k));
    relations.push({
      kind: 'clone',
      from: from.tid,
      to: to.tid,
      parent: pair.parent,
      shared,
      unshared: [],
      flags: shared.map((k) => FLAG[k]),
      text: cloneText(shared, pair.from, pair.parent),
    });
  }
  return relations;
}
