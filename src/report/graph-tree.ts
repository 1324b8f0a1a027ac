/**
 * The tree side of the sharing graph: a stable order for actors (a parent before its children, siblings by
 * number), clusters that nest a parent with its descendants, the innermost cluster that holds a set of
 * actors, and the cap on objects. Knows nothing about files or tasks: an actor is a key with a parent key.
 */

export interface TreeNode<T> {
  key: number;
  /** The parent's key; a key not among the nodes makes this node a root. */
  parent: number;
  item: T;
}

export interface GraphCluster {
  id: string;
  label: string;
  /** The enclosing cluster's id, or null at the top level. */
  parent: string | null;
}

/** Depth-first preorder from the roots, children by ascending key: ancestors always before descendants,
 * so any prefix of the order is closed under "parent of". */
export function treeOrder<T>(nodes: readonly TreeNode<T>[]): TreeNode<T>[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const children = new Map<number, TreeNode<T>[]>();
  const roots: TreeNode<T>[] = [];
  for (const n of nodes) {
    if (n.parent !== n.key && byKey.has(n.parent)) {
      children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
    } else {
      roots.push(n);
    }
  }
  const out: TreeNode<T>[] = [];
  const seen = new Set<number>();
  const visit = (start: TreeNode<T>): void => {
    const stack = [start];
    while (stack.length > 0) {
      const n = stack.pop() as TreeNode<T>;
      if (seen.has(n.key)) continue;
      seen.add(n.key);
      out.push(n);
      const kids = [...(children.get(n.key) ?? [])].sort((a, b) => b.key - a.key);
      stack.push(...kids);
    }
  };
  for (const r of [...roots].sort((a, b) => a.key - b.key)) visit(r);
  // A parent loop (pid reuse between two reads of /proc) has no root: start it at its smallest key.
  for (const n of [...nodes].sort((a, b) => a.key - b.key)) visit(n);
  return out;
}

export interface ClusterTree {
  clusters: GraphCluster[];
  /** The innermost cluster an actor is drawn in. */
  home(key: number): string | null;
  /** The innermost cluster that contains every one of these actors. */
  lowestCommon(keys: readonly number[]): string | null;
  /** Every actor a cluster contains, its nested clusters' too. */
  members(cluster: string): number[];
  /** The cluster a cluster is nested in, or null at the top level. */
  outer(cluster: string): string | null;
}

/** Clusters for actors given in treeOrder: one per actor that has children, nested like the tree. */
export function clusterTree(
  actors: readonly { key: number; parent: number; label: string }[],
  enabled: boolean,
): ClusterTree {
  // Only a parent listed earlier counts: that keeps the nesting acyclic even if /proc showed a loop.
  const earlier = new Set<number>();
  const parentOf = new Map<number, number>();
  for (const a of actors) {
    if (enabled && earlier.has(a.parent)) parentOf.set(a.key, a.parent);
    earlier.add(a.key);
  }
  const hasChildren = new Set(parentOf.values());
  const clusterId = (key: number): string => `tree-${key}`;
  const clusters: GraphCluster[] = [];
  for (const a of actors) {
    if (!hasChildren.has(a.key)) continue;
    const parent = parentOf.get(a.key);
    clusters.push({
      id: clusterId(a.key),
      label: a.label,
      parent: parent === undefined ? null : clusterId(parent),
    });
  }
  /** Every cluster containing the actor, innermost first. */
  const chain = (key: number): string[] => {
    const out = hasChildren.has(key) ? [clusterId(key)] : [];
    const seen = new Set([key]);
    for (let p = parentOf.get(key); p !== undefined && !seen.has(p); p = parentOf.get(p)) {
      seen.add(p);
      out.push(clusterId(p));
    }
    return out;
  };
  const outer = new Map(clusters.map((c) => [c.id, c.parent]));
  return {
    clusters,
    home: (key) => chain(key)[0] ?? null,
    members: (cluster) => actors.filter((a) => chain(a.key).includes(cluster)).map((a) => a.key),
    outer: (cluster) => outer.get(cluster) ?? null,
    lowestCommon(list) {
      const [first, ...rest] = list;
      if (first === undefined) return null;
      const others = rest.map((k) => new Set(chain(k)));
      return chain(first).find((c) => others.every((o) => o.has(c))) ?? null;
    },
  };
}

/** At most `max` objects: the most widely shared first, then drawn in `order`. */
export function capObjects<T>(
  objects: readonly T[],
  max: number,
  spread: (o: T) => number,
  order: (a: T, b: T) => number,
): T[] {
  const chosen =
    objects.length <= max
      ? [...objects]
      : [...objects].sort((a, b) => spread(b) - spread(a) || order(a, b)).slice(0, max);
  return chosen.sort(order);
}
