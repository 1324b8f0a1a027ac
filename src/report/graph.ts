/**
 * The sharing graph: a renderer-neutral picture of who shares what. Actors (processes, or tasks) are
 * boxes; every shared kernel object (an open file description, or a task resource such as an address
 * space) is a node of its own, joined to each actor that holds it. graph-fds.ts builds it from a
 * kcmp.fds/2 report, graph-tasks.ts from a kcmp.tasks/1 report; dot.ts, svg.ts and the HTML page's matrix
 * (html-matrix.ts) draw it. This module is the model they share, and the words its labels are made of.
 */

export type FileKind = 'file' | 'pipe' | 'socket' | 'eventfd' | 'epoll' | 'device' | 'other';
export type ResourceKind = 'vm' | 'files' | 'fs' | 'sighand' | 'io' | 'sysvsem';
export type ObjectKind = FileKind | ResourceKind;

import type { Description } from '../inspect/fds/fds-report.js';
import type { GraphCluster } from './graph-tree.js';

export type { GraphCluster } from './graph-tree.js';

/** A process ("pid-10") or a task ("tid-11"), or several folded into one box (graph-fold.ts). */
export interface ActorNode {
  /** "pid-10", "tid-11": the first member's. */
  id: string;
  /** The (first member's) process. */
  pid: number;
  /** The (first member's) task, in a tasks graph. */
  tid?: number;
  command: string;
  /** What the box calls it: the process's title ("nginx: worker process", graph-names.ts), a thread's
   * command. */
  title: string;
  /** Every pid (fds) or tid (tasks) the box stands for: one, or two and more folded together. */
  members: number[];
  /** Lines of the node's label: "10 nginx: master process", then e.g. "+4 unshared fds"; a folded box
   * "50 × nginx: worker process", "pids 11–60". */
  label: string[];
  /** Innermost cluster id, or null at the top level. */
  cluster: string | null;
  /** Exact search keys (pid, tid) and free text, for the HTML report's search box. */
  keys: string[];
  text: string;
}

/** A shared object: an open file description ("desc-d3") or a task resource ("res-vm-1"). */
export interface ObjectNode {
  id: string;
  kind: ObjectKind;
  /** The id users see in tables and JSON: "d3", "vm:1". */
  name: string;
  label: string[];
  /** Full text for a tooltip: type, name, holders. */
  title: string;
  /** An open file description's access mode (r, w, rw, or - for O_PATH), when fdinfo was read. */
  mode?: string;
  cluster: string | null;
  /** Exact search keys (its id, the numbers in its name such as an inode) and free text. */
  keys: string[];
  text: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** "fd 3", "fds 3,40" where the object's node does not say it already ("fd 3 in all 5"); empty for
   * task resources. */
  label: string;
  /** The fd numbers an actor holds a description under (every member of a folded box the same ones). */
  fds?: number[];
  /** Set when every process of this cluster (a process and its descendants) holds the object, under the
   * same numbers: renderers may draw the cluster's edges to it as one line from the cluster's border. */
  via?: string;
  kind: ObjectKind;
  /** 'peer': between two descriptions that are the two ends of one pipe, socket pair, connection or pty
   * (fds-peers.ts), drawn apart from the holder edges of sharing. Absent: an actor holds the object. */
  relation?: 'peer';
}

/** A parent → child link between two actors of the picture. */
export interface TreeLink {
  /** The parent actor's id. */
  from: string;
  /** The child actor's id. */
  to: string;
}

/**
 * A report as a graph, independent of any drawing format: actors (processes, tasks) hold kernel objects
 * (open file descriptions, address spaces, fd tables, …), one edge per holding. {@link renderDot} and
 * {@link renderSvg} draw it.
 */
export interface SharingGraph {
  /** The caption: what is drawn, e.g. "3 processes, 2 shared descriptions". */
  title: string;
  /** The processes or tasks, drawn as boxes. */
  actors: ActorNode[];
  /** The kernel objects they hold, drawn as coloured nodes by kind. */
  objects: ObjectNode[];
  /** Who holds what (and, with `relation: 'peer'`, which objects are two ends of one channel). */
  edges: GraphEdge[];
  /** Parent → child links between actors, drawn dashed. */
  tree: TreeLink[];
  /** Outermost first (a parent cluster always comes before its children). */
  clusters: GraphCluster[];
  /** What was left out and why; drawn in the picture and printed on stderr. */
  notes: string[];
}

export const GRAPH_LIMITS = { actors: 300, objects: 1000 } as const;

/** What {@link fdsGraph} and {@link tasksGraph} draw, and how much of it. */
export interface GraphOptions {
  /** Cluster actors by process tree (fds) or by process (tasks). Default true. */
  clusters?: boolean;
  /** Unshared fds (held once): a count on their process (default), or listed on it. */
  unshared?: 'collapse' | 'show';
  /** At most this many actors are drawn (default 300); a note says what was left out. */
  maxActors?: number;
  /** At most this many objects are drawn (default 1000); a note says what was left out. */
  maxObjects?: number;
  /** Fold actors (siblings of one title) that hold exactly the same objects into one box. Default true. */
  fold?: boolean;
  /** The command line of each process by pid (as /proc/PID/cmdline gives it, padding trimmed), for its
   * title; without it a report's own `cmdline` fields (-o CMDLINE) are used, else the command. */
  cmdlines?: ReadonlyMap<number, string | null>;
}

/** The colour class of a description, from its kcmp.fds/2 type (a socket by its stType: its type is its
 * protocol). */
export function fileKind(d: Pick<Description, 'type' | 'stType'>): FileKind {
  if (d.stType === 'SOCK') return 'socket';
  switch (d.type) {
    case 'REG':
    case 'DIR':
    case 'LINK':
    case 'mqueue':
    case 'memfd_secret':
      return 'file';
    case 'FIFO':
      return 'pipe';
    case 'eventfd':
      return 'eventfd';
    case 'eventpoll':
      return 'epoll';
    case 'CHR':
    case 'BLK':
      return 'device';
    default:
      return 'other';
  }
}

/** "fd 3" or "fds 3,40". */
export function fdLabel(fds: readonly number[]): string {
  return `${fds.length === 1 ? 'fd' : 'fds'} ${fds.join(',')}`;
}

/** The numbers in a name, as search keys: the inode of "pipe:[123]", the pid of "/proc/77/status". */
export function numbersIn(name: string): string[] {
  return name.match(/[0-9]+/g) ?? [];
}

/** "1 process", "2 processes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 processes", or with folded boxes "203 processes in 4 boxes". */
export function inBoxes(count: number, boxes: number, one: string, many = `${one}s`): string {
  return `${plural(count, one, many)}${boxes < count ? ` in ${plural(boxes, 'box', 'boxes')}` : ''}`;
}

/** Capping note shared by both graph kinds. */
export function capNote(shown: number, total: number, what: string, limit: number): string | undefined {
  if (shown >= total) return undefined;
  return `showing ${shown} of ${total} ${what} (limit ${limit}); narrow the selection with -p or --tree`;
}

/** How deep each box sits in the process tree of the picture (0 at the roots), by node id. */
export function treeDepths(graph: SharingGraph): Map<string, number> {
  const parent = new Map(graph.tree.map((t) => [t.to, t.from]));
  const depth = new Map<string, number>();
  const of = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const up = parent.get(id);
    const d = up === undefined || seen.has(up) ? 0 : of(up, seen.add(id)) + 1;
    depth.set(id, d);
    return d;
  };
  for (const a of graph.actors) of(a.id, new Set());
  return depth;
}

/** Code-unit order of two strings, for stable sorts. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
