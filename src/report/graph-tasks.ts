/**
 * The sharing graph of a kcmp.tasks/1 report: tasks are the actors (a process's threads nested with its
 * leader, child processes nested under their parent), and every resource object used by more than one
 * task — an address space, fd table, fs info, signal handlers, I/O context, SysV undo list — is an object
 * node named as in the table (`vm:1`) and joined to each task that uses it. A task alone with its object
 * draws no object: only sharing is drawn. Absent io/sysvsem objects are never drawn (nothing is shared).
 * Threads of one process with one name that use the same objects fold into one box ("8 threads: worker"),
 * as do child processes with one title (graph-fold.ts): 8 boxes × 4 edges become 1 box × 4 edges.
 */
import { TASK_RESOURCES } from '../compare/types.js';
import type { TaskInfo, TasksReport } from '../inspect/tasks/tasks-report.js';
import {
  type ActorNode,
  capNote,
  GRAPH_LIMITS,
  type GraphEdge,
  type GraphOptions,
  inBoxes,
  type ObjectNode,
  plural,
  type ResourceKind,
  type SharingGraph,
} from './graph.js';
import { foldedHead, foldGroups } from './graph-fold.js';
import { processTitle } from './graph-names.js';
import { capObjects, clusterTree, treeOrder } from './graph-tree.js';
import { PALETTE } from './palette.js';

interface Resource {
  kind: ResourceKind;
  index: number;
  tids: number[];
}

/**
 * The graph of a kcmp.tasks/1 report: each task is an actor, clustered by process, and each shared kernel
 * object (an address space, fd table, fs info, signal handlers, I/O context, SysV undo list) an object
 * with an edge to every task using it.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const report = await inspectTasks({ selection: { kind: 'pids', pids: [1234] } });
 * writeFileSync('tasks.svg', await renderSvg(tasksGraph(report)));
 */
export function tasksGraph(report: TasksReport, options: GraphOptions = {}): SharingGraph {
  const maxActors = options.maxActors ?? GRAPH_LIMITS.actors;
  const maxObjects = options.maxObjects ?? GRAPH_LIMITS.objects;
  const tids = new Set(report.tasks.map((t) => t.tid));
  // A thread hangs under its leader, a leader under its parent process's leader (tid = pid).
  const ordered = treeOrder(
    report.tasks.map((t) => ({
      key: t.tid,
      parent: t.tid !== t.pid && tids.has(t.pid) ? t.pid : t.ppid,
      item: t,
    })),
  );
  const kept = ordered.slice(0, maxActors);
  const rank = new Map(kept.map((n, i) => [n.key, i]));
  // A process is called by its title, a thread by its own name (comm: the process's cmdline is not its).
  const title = (t: TaskInfo): string =>
    t.tid === t.pid ? processTitle(t.command, options.cmdlines?.get(t.pid) ?? t.cmdline) : t.command;
  const name = (t: TaskInfo): string =>
    t.tid === t.pid ? `${t.pid} ${title(t)}` : `${t.pid}/${t.tid} ${t.command}`;
  const tree = clusterTree(
    kept.map((n) => ({ key: n.key, parent: n.parent, label: name(n.item) })),
    options.clusters ?? true,
  );

  const candidates: Resource[] = [];
  for (const kind of TASK_RESOURCES) {
    (report.groups[kind] ?? []).forEach((members, i) => {
      const shown = members
        .filter((tid) => rank.has(tid))
        .sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
      if (members.length > 1 && shown.length > 0) candidates.push({ kind, index: i + 1, tids: shown });
    });
  }
  const first = (r: Resource): number => rank.get(r.tids[0] ?? 0) ?? 0;
  const byTopology = (a: Resource, b: Resource): number =>
    first(a) - first(b) ||
    TASK_RESOURCES.indexOf(a.kind) - TASK_RESOURCES.indexOf(b.kind) ||
    a.index - b.index;
  const shown = capObjects(candidates, maxObjects, (r) => r.tids.length, byTopology);

  // Tasks fold when they are alike: threads of one process (or children of one parent) with one name that
  // use the same shared objects.
  const uses = new Map<number, string[]>();
  for (const r of shown) for (const tid of r.tids) uses.set(tid, [...(uses.get(tid) ?? []), resourceId(r)]);
  const signature = (t: TaskInfo): string =>
    [t.tid === t.pid ? 'process' : 'thread', title(t), ...(uses.get(t.tid) ?? [])].join('\n');
  const groups =
    options.fold === false
      ? kept.map((n) => [n.key])
      : foldGroups(kept.map((n) => ({ key: n.key, parent: n.parent, signature: signature(n.item) })));
  const byTid = new Map(kept.map((n) => [n.key, n.item]));
  const nodeOf = new Map<number, string>();
  for (const g of groups) for (const tid of g) nodeOf.set(tid, `tid-${g[0]}`);

  const actors: ActorNode[] = groups.map((g) => {
    const tasks = g.map((tid) => byTid.get(tid) as TaskInfo);
    const t = tasks[0] as TaskInfo;
    const threads = t.tid !== t.pid;
    const label =
      g.length > 1
        ? foldedHead(
            tasks.map((x) => (threads ? x.tid : x.pid)),
            title(t),
            threads ? 'tids' : 'pids',
            threads,
          )
        : [name(t)];
    return {
      id: `tid-${t.tid}`,
      pid: t.pid,
      tid: t.tid,
      command: t.command,
      title: title(t),
      members: g,
      label,
      cluster: tree.home(t.tid),
      keys: [...new Set(tasks.flatMap((x) => [String(x.pid), String(x.tid)]))],
      text: `${tasks.map(name).join(' ')}`,
    };
  });
  const objects: ObjectNode[] = [];
  const edges: GraphEdge[] = [];
  for (const r of shown) {
    const id = resourceId(r);
    const what = PALETTE[r.kind].legend.replace(/ \(.*\)$/, '');
    objects.push({
      id,
      kind: r.kind,
      name: `${r.kind}:${r.index}`,
      label: [`${r.kind}:${r.index}`, what],
      title: `${r.kind}:${r.index} (${what}) shared by tasks ${r.tids.join(' ')}`,
      cluster: tree.lowestCommon(r.tids),
      keys: [`${r.kind}:${r.index}`],
      text: `${r.kind}:${r.index} ${what}`,
    });
    const boxes = new Set(r.tids.map((tid) => nodeOf.get(tid) as string));
    for (const box of boxes) edges.push({ from: box, to: id, label: '', kind: r.kind });
  }
  const notes = [
    capNote(kept.length, ordered.length, 'tasks', maxActors),
    capNote(shown.length, candidates.length, 'shared resources', maxObjects),
  ].filter((n): n is string => n !== undefined);
  const caption = `${inBoxes(kept.length, groups.length, 'task')}, ${plural(shown.length, 'shared resource')}`;
  // Tasks are grouped by process, not by tree: no parent links.
  return { title: caption, actors, objects, edges, tree: [], clusters: tree.clusters, notes };
}

/** The node id of a shared resource: "res-vm-1". */
function resourceId(r: Resource): string {
  return `res-${r.kind}-${r.index}`;
}
