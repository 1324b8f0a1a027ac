/**
 * The sharing graph of a kcmp.fds/2 report. Each process is a box named by its title (graph-names.ts),
 * clustered by process tree; each description held by more than one fd is a node named as the table names
 * it (a socket as "TCP 127.0.0.1:80 (LISTEN)"), joined to every box holding it.
 *
 *   ┌ 100 myserver: master ───────────────────────────────────────────────────────────────┐
 *   │ [100 myserver: master] ─────────── (d1 TCP 127.0.0.1:80 (LISTEN) fd 3 in all 201)      │
 *   │ [200 × myserver: worker, pids 101–300] ──┘                                             │
 *   └────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * - fd numbers are written once per description: the numbers most of its processes hold it under go in
 *   its node ("fd 3 in all 201", "fds 1,2 in 36 of 37"), and only an edge whose numbers differ says its own.
 * - Processes that hold the same descriptions under the same numbers fold into one box (graph-fold.ts);
 *   what a process holds alone is written in its box, listeners always (graph-own.ts); two ends of a pipe
 *   or connection are joined by a peer edge (graph-peers.ts).
 * - A process that shares another's fd table (CLONE_FILES) holds that one's fds, not more: each fd is
 *   drawn once, from the box it is counted under (table-entries.ts), and the sharer's box says "shares
 *   files with 100 (CLONE_FILES)", as `kcmp tasks` does.
 * - Big scans are capped (GRAPH_LIMITS): ancestors before descendants, the most widely shared
 *   descriptions first, and every cap leaves a note that the renderers draw and the CLI prints.
 * - Order is fixed by the topology (tree order, then fd, then name), never by scan order: the same
 *   topology gives the same picture.
 */
import type { Description, FdsReport, ProcessInfo } from '../inspect/fds/fds-report.js';
import { isTableEntry } from '../inspect/fds/table-entries.js';
import { accessMode } from '../procfs/fdinfo.js';
import {
  type ActorNode,
  capNote,
  cmp,
  fdLabel,
  fileKind,
  GRAPH_LIMITS,
  type GraphEdge,
  type GraphOptions,
  inBoxes,
  numbersIn,
  type ObjectNode,
  plural,
  type SharingGraph,
  type TreeLink,
} from './graph.js';
import { foldedHead, foldGroups, numberRuns } from './graph-fold.js';
import { processTitle, shortName } from './graph-names.js';
import { descriptionName, type OwnFds, ownFds, restLine, typeAndName } from './graph-own.js';
import { nodeOfDescription, peerEdges, peerNodes } from './graph-peers.js';
import { capObjects, clusterTree, treeOrder } from './graph-tree.js';

/**
 * The graph of a kcmp.fds/2 report: each process holding a listed description is an actor, clustered by
 * process tree and folded with its like siblings, each shared description an object with an edge per box
 * holding it. A report scanned with `all` also tells what each process holds alone (a line of its box).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const report = await inspectFds({ selection: { kind: 'tree', root: process.pid }, all: true });
 * writeFileSync('fds.dot', renderDot(fdsGraph(report, { maxActors: 50 })));
 */
export function fdsGraph(report: FdsReport, options: GraphOptions = {}): SharingGraph {
  const maxActors = options.maxActors ?? GRAPH_LIMITS.actors;
  const maxObjects = options.maxObjects ?? GRAPH_LIMITS.objects;
  const listAll = options.unshared === 'show';
  const known = new Map<number, ProcessInfo>(report.processes.map((p) => [p.pid, p]));
  for (const d of report.descriptions) {
    for (const h of d.holders) {
      if (!known.has(h.pid)) known.set(h.pid, { pid: h.pid, ppid: 0, command: h.command });
    }
  }
  const titles = titlesOf(report, known.values(), options.cmdlines);
  const title = (pid: number): string => titles.get(pid) ?? '';
  const ordered = treeOrder([...known.values()].map((p) => ({ key: p.pid, parent: p.ppid, item: p })));
  const kept = ordered.slice(0, maxActors).map((n) => n.item);
  const rank = new Map(kept.map((p, i) => [p.pid, i]));
  const byRank = (a: number, b: number): number => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  const tree = clusterTree(
    kept.map((p) => ({ key: p.pid, parent: p.ppid, label: `${p.pid} ${title(p.pid)}` })),
    options.clusters ?? true,
  );

  // Each fd once: a sharer's holders are the entries of another box.
  const descriptions = report.descriptions.map((d) =>
    d.holders.every(isTableEntry) ? d : { ...d, holders: d.holders.filter(isTableEntry) },
  );
  const tableOf = new Map(report.processes.map((p) => [p.pid, p.fdTableOf]));
  const sharing = (pid: number): string[] => {
    const owner = tableOf.get(pid);
    return owner === undefined ? [] : [`shares files with ${owner} (CLONE_FILES)`];
  };
  const { unshared, candidates } = splitByHolders(descriptions, rank);
  const shown = capObjects(candidates, maxObjects, spread, byTopology(rank));
  const held = heldFds(shown);
  // Where the other ends of what each process holds alone are drawn (boxes before folding).
  const endsByPid = nodeOfDescription(shown, unshared, (pid) => `pid-${pid}`);
  const linked = (d: Description): boolean => peerNodes(d, endsByPid).some((n) => n !== endsByPid.get(d.id));
  const own = new Map<number, OwnFds>(
    kept.map((p) => [p.pid, ownFds(unshared.get(p.pid) ?? [], listAll, linked)]),
  );

  // Processes fold when they hold the same things: title, shared descriptions under the same fd numbers,
  // the lines of their box, and where the other ends of what they hold alone are drawn.
  const signature = (pid: number): string => {
    const holds = [...(held.get(pid) ?? [])].map(([id, fds]) => `${id}:${fds.join(',')}`);
    const peers = (unshared.get(pid) ?? []).flatMap((d) => peerNodes(d, endsByPid));
    const away = [...new Set(peers)].filter((n) => n !== `pid-${pid}`).sort();
    const lines = [...sharing(pid), ...(own.get(pid)?.lines ?? [])];
    return [title(pid), holds.join(' '), ...lines, '', ...away].join('\n');
  };
  const groups =
    options.fold === false
      ? kept.map((p) => [p.pid])
      : foldGroups(kept.map((p) => ({ key: p.pid, parent: p.ppid, signature: signature(p.pid) })));
  const nodeOf = new Map<number, string>();
  const members = new Map<string, number[]>();
  for (const g of groups) {
    for (const pid of g) nodeOf.set(pid, `pid-${g[0]}`);
    members.set(`pid-${g[0]}`, g);
  }

  const actors: ActorNode[] = groups.map((g) => {
    const first = known.get(g[0] as number) as ProcessInfo;
    const t = title(first.pid);
    const boxes = g.map((pid) => own.get(pid) as OwnFds);
    const mine = g.flatMap((pid) => unshared.get(pid) ?? []);
    return {
      id: `pid-${first.pid}`,
      pid: first.pid,
      command: first.command,
      title: t,
      members: g,
      label: [
        ...(g.length > 1 ? foldedHead(g, t, 'pids') : [`${first.pid} ${t}`]),
        ...sharing(first.pid),
        ...(boxes[0]?.lines ?? []),
        ...restLine(
          boxes.map((b) => b.rest),
          listAll,
        ),
      ],
      cluster: tree.home(first.pid),
      keys: [...g.map(String), ...mine.map((d) => d.id)],
      text: [`${g.join(' ')} ${t} ${first.command}`, ...mine.map((d) => describe(d))].join(' '),
    };
  });
  const links = new Map<string, TreeLink>();
  for (const p of kept) {
    const from = nodeOf.get(p.ppid);
    const to = nodeOf.get(p.pid) as string;
    if (from !== undefined && p.ppid !== p.pid) links.set(`${from} ${to}`, { from, to });
  }

  const objects: ObjectNode[] = [];
  const edges: GraphEdge[] = [];
  for (const d of shown) {
    const id = `desc-${d.id}`;
    const kind = fileKind(d);
    const pids = [...new Set(d.holders.map((h) => h.pid))].sort(byRank);
    // One edge per box: a folded box's members hold it under the same numbers (their signature says so).
    const boxes = new Map<string, { fds: number[]; processes: number }>();
    for (const pid of pids) {
      const node = nodeOf.get(pid) as string;
      const box = boxes.get(node);
      if (box) box.processes += 1;
      else boxes.set(node, { fds: held.get(pid)?.get(d.id) ?? [], processes: 1 });
    }
    const common = commonFds([...boxes.values()], pids.length);
    // Held by every process of its cluster under one set of numbers: one line from the cluster's border,
    // and the node outside it (a line cannot leave a cluster towards a node inside it).
    const home = tree.lowestCommon(pids);
    const whole =
      home !== null && common?.everyone === true && tree.members(home).length === pids.length
        ? home
        : undefined;
    const name = descriptionName(d);
    const shown = shortName(name, 40);
    // "d3" over "TCP 127.0.0.1:80 (LISTEN)": the type once, where the name does not begin with it
    const head = typeAndName(d, shown) === shown ? d.id : `${d.id} ${d.type}`;
    const uncertain = d.certain ? '' : ' (uncertain)';
    const holders = [...boxes].map(
      ([node, box]) => `${heldBy(members.get(node) ?? [])}:${box.fds.join(',')}`,
    );
    const flags = d.holders.find((h) => h.flags !== undefined)?.flags;
    objects.push({
      id,
      kind,
      name: d.id,
      label: [`${head}${uncertain}`, shown, ...(common ? [common.line] : [])],
      title: `${d.id} ${typeAndName(d, name)} — held by ${holders.join(' ')}${uncertain}`,
      ...(flags === undefined ? {} : { mode: accessMode(flags) }),
      cluster: whole === undefined ? home : tree.outer(whole),
      keys: [d.id, ...new Set([...numbersIn(d.name), ...numbersIn(name)])],
      text: describe(d),
    });
    for (const [node, { fds }] of boxes) {
      const label = common?.fds === fds.join(',') ? '' : fdLabel(fds);
      edges.push({ from: node, to: id, label, kind, fds, ...(whole === undefined ? {} : { via: whole }) });
    }
  }
  edges.push(
    ...peerEdges(
      descriptions,
      nodeOfDescription(shown, unshared, (p) => nodeOf.get(p)),
    ),
  );

  const notes = [
    capNote(kept.length, ordered.length, 'processes', maxActors),
    capNote(shown.length, candidates.length, 'shared descriptions', maxObjects),
  ].filter((n): n is string => n !== undefined);
  let alone = 0;
  for (const list of unshared.values()) alone += list.length;
  const listed = listAll && alone > 0 ? `, ${plural(alone, 'unshared fd')} listed on their processes` : '';
  return {
    title: `${inBoxes(kept.length, groups.length, 'process', 'processes')}, ${plural(shown.length, 'shared description')}${listed}`,
    actors,
    objects,
    edges,
    tree: [...links.values()],
    clusters: tree.clusters,
    notes,
  };
}

/** Each process's title: from `cmdlines`, else a holder's `cmdline` field (-o CMDLINE), else its command. */
function titlesOf(
  report: FdsReport,
  processes: Iterable<ProcessInfo>,
  cmdlines: ReadonlyMap<number, string | null> | undefined,
): Map<number, string> {
  const listed = new Map<number, string>();
  for (const d of report.descriptions) {
    for (const h of d.holders)
      if (h.cmdline !== undefined && !listed.has(h.pid)) listed.set(h.pid, h.cmdline);
  }
  const titles = new Map<number, string>();
  for (const p of processes) {
    titles.set(p.pid, processTitle(p.command, cmdlines?.get(p.pid) ?? listed.get(p.pid)));
  }
  return titles;
}

/** Descriptions held once (by process, among the kept ones), and those held more than once (their holders
 * among the kept ones): only these are nodes. */
function splitByHolders(
  descriptions: readonly Description[],
  rank: ReadonlyMap<number, number>,
): { unshared: Map<number, Description[]>; candidates: Description[] } {
  const unshared = new Map<number, Description[]>();
  const candidates: Description[] = [];
  for (const d of descriptions) {
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
  return { unshared, candidates };
}

/** How many processes hold a description: the caps keep the most widely shared. */
function spread(d: Description): number {
  return new Set(d.holders.map((h) => h.pid)).size;
}

/** Descriptions in the order of their first holder in the tree, then fd, type, name and id. */
function byTopology(rank: ReadonlyMap<number, number>): (a: Description, b: Description) => number {
  const firstHolder = (d: Description): [number, number] => {
    let best: [number, number] = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    for (const h of d.holders) {
      const key: [number, number] = [rank.get(h.pid) ?? 0, h.fd];
      if (key[0] < best[0] || (key[0] === best[0] && key[1] < best[1])) best = key;
    }
    return best;
  };
  return (a, b) => {
    const [ra, fa] = firstHolder(a);
    const [rb, fb] = firstHolder(b);
    return ra - rb || fa - fb || cmp(a.type, b.type) || cmp(a.name, b.name) || cmp(a.id, b.id);
  };
}

/** What each process holds among the drawn descriptions: description id → its fd numbers there, sorted. */
function heldFds(shown: readonly Description[]): Map<number, Map<string, number[]>> {
  const held = new Map<number, Map<string, number[]>>();
  for (const d of shown) {
    for (const h of d.holders) {
      const mine = held.get(h.pid) ?? new Map<string, number[]>();
      held.set(h.pid, mine);
      mine.set(
        d.id,
        [...(mine.get(d.id) ?? []), h.fd].sort((a, b) => a - b),
      );
    }
  }
  return held;
}

/**
 * The fd numbers most of a description's processes hold it under, when at least two do: written once in
 * its node ("fd 3 in all 5", "fds 1,2 in both", "fd 3 in 36 of 37"); the edges using them stay bare.
 */
function commonFds(
  boxes: readonly { fds: number[]; processes: number }[],
  total: number,
): { fds: string; line: string; everyone: boolean } | undefined {
  const count = new Map<string, { fds: number[]; processes: number }>();
  for (const b of boxes) {
    const key = b.fds.join(',');
    const c = count.get(key);
    if (c) c.processes += b.processes;
    else count.set(key, { fds: b.fds, processes: b.processes });
  }
  const [best] = [...count.values()].sort(
    (a, b) => b.processes - a.processes || cmp(a.fds.join(','), b.fds.join(',')),
  );
  if (best === undefined || best.processes < 2) return undefined;
  const where =
    best.processes < total ? `${best.processes} of ${total}` : total === 2 ? 'both' : `all ${total}`;
  return {
    fds: best.fds.join(','),
    line: `${fdLabel(best.fds)} in ${where}`,
    everyone: best.processes === total,
  };
}

/** A box's processes in a tooltip: "10", or "50× 11–60". */
function heldBy(pids: readonly number[]): string {
  return pids.length === 1 ? String(pids[0]) : `${pids.length}× ${numberRuns(pids)}`;
}

/** A description as search text: id, type, its name as shown and its /proc link. */
function describe(d: Description): string {
  const name = descriptionName(d);
  return `${d.id} ${d.type} ${name}${name === d.name ? '' : ` ${d.name}`}`;
}
