/**
 * The sharing graph: a renderer-neutral picture of who shares what. Actors (processes, or tasks) are
 * nodes; every shared kernel object (an open file description, or a task resource such as an address
 * space) is a node of its own, joined to each actor that holds it by an edge labelled with the fd number
 * — or, when every holder uses the same number (plain fork inheritance), with the number written once in
 * the object's node ("fd 3 in all 5") and bare edges, which keeps fork-heavy pictures readable.
 *
 *   ┌ cluster 100 server ───────────────────────────────┐
 *   │ [100 server] ─fd 3─ (d1 socket:[77]) ─fd 3─ [101 worker] │   a description sits in the innermost
 *   │                     └──────────fd 3─ [102 worker] │   cluster that holds all its holders
 *   └───────────────────────────────────────────────────┘
 *
 * Clusters follow the process tree: a process with children in the picture opens a cluster holding
 * itself and its descendants, and a dashed link runs from each parent to each child (`tree`), so the
 * master stands out among identical workers. Descriptions held once are never nodes of their own: they
 * are counted on their process, or with `unshared: 'show'` (`--all`) listed on it, compactly. Big scans are capped (GRAPH_LIMITS) — ancestors are kept before their
 * descendants, the most widely shared objects before the rest — and every cap leaves a note that the
 * renderers draw and the CLI prints. Order is fixed by the topology (tree order, then fd, then name),
 * never by scan order, so the same topology gives the same picture.
 */
import type { Description, FdsReport, ProcessInfo } from '../inspect/fds/fds-report.js';
import { capObjects, clusterTree, type GraphCluster, treeOrder } from './graph-tree.js';

export type FileKind = 'file' | 'pipe' | 'socket' | 'eventfd' | 'epoll' | 'device' | 'other';
export type ResourceKind = 'vm' | 'files' | 'fs' | 'sighand' | 'io' | 'sysvsem';
export type ObjectKind = FileKind | ResourceKind;

export type { GraphCluster } from './graph-tree.js';

/** A process ("pid-10") or a task ("tid-11"). */
export interface ActorNode {
  id: string;
  pid: number;
  tid?: number;
  command: string;
  /** Lines of the node's label: "10 nginx", then e.g. "+4 unshared fds". */
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
  cluster: string | null;
  /** Exact search keys (its id, the numbers in its name such as an inode) and free text. */
  keys: string[];
  text: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** "fd 3", "fds 3,40"; empty for task resources. */
  label: string;
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
}

/** The colour class of a description, from its kcmp.fds/2 type. */
export function fileKind(type: string): FileKind {
  switch (type) {
    case 'REG':
    case 'DIR':
    case 'LINK':
    case 'mqueue':
    case 'memfd_secret':
      return 'file';
    case 'FIFO':
      return 'pipe';
    case 'SOCK':
      return 'socket';
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

/** Keeps labels readable: a long path keeps its end ("…/log/app.log"). */
export function shorten(text: string, max = 40): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

/** The numbers in a name, as search keys: the inode of "pipe:[123]", the pid of "/proc/77/status". */
export function numbersIn(name: string): string[] {
  return name.match(/[0-9]+/g) ?? [];
}

/** The fd number every holder uses, when each of ≥ 2 processes holds the description once under it. */
function uniformFd(d: Description, processes: number): number | undefined {
  const first = d.holders[0]?.fd;
  if (processes < 2 || d.holders.length !== processes || d.holders.some((h) => h.fd !== first))
    return undefined;
  return first;
}

/** "1 process", "2 processes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Capping note shared by both graph kinds. */
export function capNote(shown: number, total: number, what: string, limit: number): string | undefined {
  if (shown >= total) return undefined;
  return `showing ${shown} of ${total} ${what} (limit ${limit}); narrow the selection with -p or --tree`;
}

/**
 * The graph of a kcmp.fds/2 report: each process holding a listed description is an actor, clustered by
 * process tree, each description an object with an edge per holding process (labelled with its fds).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const report = await inspectFds({ selection: { kind: 'tree', root: process.pid } });
 * writeFileSync('fds.dot', renderDot(fdsGraph(report, { maxActors: 50 })));
 */
export function fdsGraph(report: FdsReport, options: GraphOptions = {}): SharingGraph {
  const maxActors = options.maxActors ?? GRAPH_LIMITS.actors;
  const maxObjects = options.maxObjects ?? GRAPH_LIMITS.objects;
  const known = new Map<number, ProcessInfo>(report.processes.map((p) => [p.pid, p]));
  for (const d of report.descriptions) {
    for (const h of d.holders) {
      if (!known.has(h.pid)) known.set(h.pid, { pid: h.pid, ppid: 0, command: h.command });
    }
  }
  const ordered = treeOrder([...known.values()].map((p) => ({ key: p.pid, parent: p.ppid, item: p })));
  const kept = ordered.slice(0, maxActors).map((n) => n.item);
  const rank = new Map(kept.map((p, i) => [p.pid, i]));
  const tree = clusterTree(
    kept.map((p) => ({ key: p.pid, parent: p.ppid, label: `${p.pid} ${p.command}` })),
    options.clusters ?? true,
  );

  const unshared = new Map<number, Description[]>();
  const candidates: Description[] = [];
  for (const d of report.descriptions) {
    const holders = d.holders.filter((h) => rank.has(h.pid));
    const first = holders[0];
    if (first === undefined) continue;
    if (d.holders.length < 2) {
      const list = unshared.get(first.pid);
      if (list) list.push(d);
      else unshared.set(first.pid, [d]);
      continue;
    }
    candidates.push({ ...d, holders });
  }
  const spread = (d: Description): number => new Set(d.holders.map((h) => h.pid)).size;
  const firstHolder = (d: Description): [number, number] => {
    let best: [number, number] = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    for (const h of d.holders) {
      const key: [number, number] = [rank.get(h.pid) ?? 0, h.fd];
      if (key[0] < best[0] || (key[0] === best[0] && key[1] < best[1])) best = key;
    }
    return best;
  };
  const byTopology = (a: Description, b: Description): number => {
    const [ra, fa] = firstHolder(a);
    const [rb, fb] = firstHolder(b);
    return ra - rb || fa - fb || cmp(a.type, b.type) || cmp(a.name, b.name) || cmp(a.id, b.id);
  };
  const shown = capObjects(candidates, maxObjects, spread, byTopology);

  const actors: ActorNode[] = kept.map((p) => {
    const own = unshared.get(p.pid) ?? [];
    const label = [`${p.pid} ${p.command}`];
    if (options.unshared === 'show') label.push(...unsharedList(own));
    else if (own.length > 0) label.push(`+${plural(own.length, 'unshared fd')}`);
    return {
      id: `pid-${p.pid}`,
      pid: p.pid,
      command: p.command,
      label,
      cluster: tree.home(p.pid),
      keys: [String(p.pid), ...own.map((d) => d.id)],
      text: [`${p.pid} ${p.command}`, ...own.map((d) => `${d.id} ${d.type} ${d.name}`)].join(' '),
    };
  });
  const treeLinks: TreeLink[] = kept
    .filter((p) => rank.has(p.ppid))
    .map((p) => ({ from: `pid-${p.ppid}`, to: `pid-${p.pid}` }));
  const objects: ObjectNode[] = [];
  const edges: GraphEdge[] = [];
  for (const d of shown) {
    const id = `desc-${d.id}`;
    const kind = fileKind(d.type);
    const fdsByPid = new Map<number, number[]>();
    for (const h of d.holders) fdsByPid.set(h.pid, [...(fdsByPid.get(h.pid) ?? []), h.fd]);
    const pids = [...fdsByPid.keys()].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const holders = pids.map((pid) => `${pid}:${(fdsByPid.get(pid) ?? []).sort((a, b) => a - b).join(',')}`);
    const label = [`${d.id} ${d.type}${d.certain ? '' : ' (uncertain)'}`, shorten(d.name)];
    // Inherited descriptions usually sit under one fd number everywhere: say it once, in the node.
    const uniform = uniformFd(d, pids.length);
    if (uniform !== undefined)
      label.push(`fd ${uniform} in ${pids.length === 2 ? 'both' : `all ${pids.length}`}`);
    objects.push({
      id,
      kind,
      name: d.id,
      label,
      title: `${d.id} ${d.type} ${d.name} — held by ${holders.join(' ')}${d.certain ? '' : ' (uncertain)'}`,
      cluster: tree.lowestCommon(pids),
      keys: [d.id, ...numbersIn(d.name)],
      text: `${d.id} ${d.type} ${d.name}`,
    });
    for (const pid of pids) {
      const label = uniform === undefined ? fdLabel(fdsByPid.get(pid) ?? []) : '';
      edges.push({ from: `pid-${pid}`, to: id, label, kind });
    }
  }
  edges.push(
    ...peerEdges(report.descriptions, nodeOfDescription(shown, unshared, options.unshared === 'show')),
  );
  const notes = [
    capNote(kept.length, ordered.length, 'processes', maxActors),
    capNote(shown.length, candidates.length, 'shared descriptions', maxObjects),
  ].filter((n): n is string => n !== undefined);
  let held = 0;
  for (const list of unshared.values()) held += list.length;
  const listed =
    options.unshared === 'show' && held > 0
      ? `, ${plural(held, 'unshared fd')} listed on their processes`
      : '';
  const title = `${plural(kept.length, 'process', 'processes')}, ${plural(shown.length, 'shared description')}${listed}`;
  return { title, actors, objects, edges, tree: treeLinks, clusters: tree.clusters, notes };
}

/** At most this many unshared fds are listed on a process's node; the rest are counted. */
export const UNSHARED_LISTED = 6;

/** "fd 4 REG …/app.log" lines for a node, the first UNSHARED_LISTED by fd, then "+N more unshared fds". */
function unsharedList(own: readonly Description[]): string[] {
  const fdOf = (d: Description): number => d.holders[0]?.fd ?? -1;
  const sorted = [...own].sort((a, b) => fdOf(a) - fdOf(b));
  const lines = sorted.slice(0, UNSHARED_LISTED).map((d) => `fd ${fdOf(d)} ${d.type} ${shorten(d.name, 28)}`);
  const more = sorted.length - UNSHARED_LISTED;
  if (more > 0) lines.push(`+${plural(more, 'more unshared fd')}`);
  return lines;
}

/**
 * Where each description is drawn: its own node when shown, else — listed on its process (`--all`) — that
 * process's node; descriptions drawn nowhere are absent.
 */
function nodeOfDescription(
  shown: readonly Description[],
  unshared: ReadonlyMap<number, readonly Description[]>,
  listed: boolean,
): Map<string, string> {
  const nodes = new Map(shown.map((d) => [d.id, `desc-${d.id}`]));
  if (listed) for (const [pid, list] of unshared) for (const d of list) nodes.set(d.id, `pid-${pid}`);
  return nodes;
}

/**
 * One edge per pair of descriptions that are each other's other end, between the nodes they are drawn in
 * (a description listed on its process: that process). Two ends drawn in one node get no edge.
 */
function peerEdges(descriptions: readonly Description[], nodes: ReadonlyMap<string, string>): GraphEdge[] {
  const byId = new Map(descriptions.map((d) => [d.id, d]));
  // An end drawn in its process's node is named by its fd there: several peers may join two processes.
  const end = (d: Description, node: string) => (node.startsWith('pid-') ? ` fd ${d.holders[0]?.fd}` : '');
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const d of descriptions) {
    const from = nodes.get(d.id);
    if (from === undefined) continue;
    for (const peer of d.peers ?? []) {
      const other = peer.description === null ? undefined : byId.get(peer.description);
      const to = other === undefined ? undefined : nodes.get(other.id);
      if (other === undefined || to === undefined || to === from) continue;
      const key = [d.id, other.id].sort().join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      const [a, b] = [end(d, from), end(other, to)];
      const label = a || b ? `peer${a} ↔${b}` : 'peer';
      edges.push({ from, to, label, kind: fileKind(d.type), relation: 'peer' });
    }
  }
  return edges;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
