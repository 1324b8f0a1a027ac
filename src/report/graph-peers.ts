/**
 * Peer edges: between the nodes of two descriptions that are each other's other end (a pipe's two ends, a
 * socket pair, a loopback connection, a pty; fds-peers.ts found them). A description drawn as a node of its
 * own is that node; one held alone is drawn in its process's box, so the edge ends there, and a line of
 * the box names it (graph-own.ts). Peer edges carry no label. A peer edge is no rank constraint (dot.ts),
 * so its ends may share a rank: a flat edge, which dot routes around a label node of its own when it has
 * a `label` — in nested clusters that routing can fail (Graphviz 16: "triangulation failed" on stderr,
 * the edge drawn astray) — while an `xlabel` is placed after routing without keeping other edges off it.
 */
import type { Description } from '../inspect/fds/fds-report.js';
import { fileKind, type GraphEdge } from './graph.js';

/**
 * Where each description is drawn: its own node when shown, else its process's node (`nodeOfProcess`:
 * a box, perhaps folded); descriptions drawn nowhere (their process left out) are absent.
 */
export function nodeOfDescription(
  shown: readonly Description[],
  unshared: ReadonlyMap<number, readonly Description[]>,
  nodeOfProcess: (pid: number) => string | undefined,
): Map<string, string> {
  const nodes = new Map(shown.map((d) => [d.id, `desc-${d.id}`]));
  for (const [pid, list] of unshared) {
    const node = nodeOfProcess(pid);
    if (node !== undefined) for (const d of list) nodes.set(d.id, node);
  }
  return nodes;
}

/** The nodes the other ends of `d` are drawn in. */
export function peerNodes(d: Description, nodes: ReadonlyMap<string, string>): string[] {
  return (d.peers ?? [])
    .map((p) => (p.description === null ? undefined : nodes.get(p.description)))
    .filter((n): n is string => n !== undefined);
}

/** One edge per pair of nodes joined by other ends; two ends drawn in one node get no edge. */
export function peerEdges(
  descriptions: readonly Description[],
  nodes: ReadonlyMap<string, string>,
): GraphEdge[] {
  const byId = new Map(descriptions.map((d) => [d.id, d]));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const d of descriptions) {
    const from = nodes.get(d.id);
    if (from === undefined) continue;
    for (const peer of d.peers ?? []) {
      const other = peer.description === null ? undefined : byId.get(peer.description);
      const to = other === undefined ? undefined : nodes.get(other.id);
      if (other === undefined || to === undefined || to === from) continue;
      const key = [from, to].sort().join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to, label: '', kind: fileKind(d), relation: 'peer' });
    }
  }
  return edges;
}
