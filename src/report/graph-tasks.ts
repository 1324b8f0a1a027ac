/**
 * The sharing graph of a kcmp.tasks/1 report: tasks are the actors (a process's threads nested with its
 * leader, child processes nested under their parent), and every resource object used by more than one
 * task — an address space, fd table, fs info, signal handlers, I/O context, SysV undo list — is an object
 * node named as in the table (`vm:1`) and joined to each task that uses it. A task alone with its object
 * draws no object: only sharing is drawn. Absent io/sysvsem objects are never drawn (nothing is shared).
 */
import { TASK_RESOURCES } from '../compare/types.js';
import type { TasksReport } from '../inspect/tasks/tasks-report.js';
import {
  type ActorNode,
  capNote,
  GRAPH_LIMITS,
  type GraphEdge,
  type GraphOptions,
  type ObjectNode,
  plural,
  type ResourceKind,
  type SharingGraph,
} from './graph.js';
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
  const name = (t: { pid: number; tid: number; command: string }): string =>
    t.tid === t.pid ? `${t.pid} ${t.command}` : `${t.pid}/${t.tid} ${t.command}`;
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

  const actors: ActorNode[] = kept.map(({ item: t }) => ({
    id: `tid-${t.tid}`,
    pid: t.pid,
    tid: t.tid,
    command: t.command,
    label: [name(t)],
    cluster: tree.home(t.tid),
    keys: [String(t.pid), String(t.tid)],
    text: `${name(t)}`,
  }));
  const objects: ObjectNode[] = [];
  const edges: GraphEdge[] = [];
  for (const r of shown) {
    const id = `res-${r.kind}-${r.index}`;
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
    for (const tid of r.tids) edges.push({ from: `tid-${tid}`, to: id, label: '', kind: r.kind });
  }
  const notes = [
    capNote(kept.length, ordered.length, 'tasks', maxActors),
    capNote(shown.length, candidates.length, 'shared resources', maxObjects),
  ].filter((n): n is string => n !== undefined);
  const title = `${plural(kept.length, 'task')}, ${plural(shown.length, 'shared resource')}`;
  // Tasks are grouped by process, not by tree: no parent links.
  return { title, actors, objects, edges, tree: [], clusters: tree.clusters, notes };
}
