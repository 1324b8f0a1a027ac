/**
 * Folding: actors that hold exactly the same things are drawn as one node ("200 × myserver: worker",
 * "8 threads: worker"). Only leaves of the tree fold, and only with their siblings — children of one
 * parent, with no children of their own in the picture — so who forked whom stays visible: the folded
 * node hangs under the parent its members share. What "the same" means is the caller's `signature`: for
 * processes their title and the shared descriptions they hold under the same fd numbers, for tasks their
 * name and the shared resources they use.
 *
 *   100 master ─┬─ 101 worker ┐                      100 master ─┬─ 3 × worker (101–103)
 *               ├─ 102 worker ├ one signature   →                └─ 104 logger
 *               ├─ 103 worker ┘
 *               └─ 104 logger
 */

/** An actor as folding sees it: its key (pid or tid), its parent's key and what it holds. */
export interface FoldCandidate {
  key: number;
  parent: number;
  signature: string;
}

/**
 * The actors in groups, each group in the order given and the groups in the order of their first member:
 * a group is one actor, or every leaf sibling with one signature (at least two). `candidates` come in tree
 * order (graph-tree.ts treeOrder); a key another candidate names as its parent is not a leaf.
 */
export function foldGroups(candidates: readonly FoldCandidate[]): number[][] {
  const parents = new Set(candidates.filter((c) => c.parent !== c.key).map((c) => c.parent));
  const groups: number[][] = [];
  const bySignature = new Map<string, number[]>();
  for (const c of candidates) {
    if (parents.has(c.key)) {
      groups.push([c.key]);
      continue;
    }
    const at = `${c.parent}\0${c.signature}`;
    const group = bySignature.get(at);
    if (group) group.push(c.key);
    else {
      const fresh = [c.key];
      bySignature.set(at, fresh);
      groups.push(fresh);
    }
  }
  return groups;
}

/** At most this many runs of numbers are written out in a folded node's label; the rest are counted. */
const LISTED_RUNS = 3;

/**
 * Numbers as runs, for a folded node's label: "101–300", "7, 9, 12–14 +40 more". The first
 * {@link LISTED_RUNS} runs are written; every number stays a search key of the node.
 */
export function numberRuns(numbers: readonly number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const n of sorted) {
    const last = runs[runs.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else if (!last || n !== last[1]) runs.push([n, n]);
  }
  const shown = runs.slice(0, LISTED_RUNS).map(([a, b]) => (a === b ? String(a) : `${a}–${b}`));
  const more = runs.slice(LISTED_RUNS).reduce((n, [a, b]) => n + b - a + 1, 0);
  return `${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}`;
}

/**
 * The first lines of a folded box: "50 × nginx: worker process" and "pids 11–60"; threads of one process
 * read "8 threads: worker" and "tids 1201–1208".
 */
export function foldedHead(
  members: readonly number[],
  title: string,
  noun: 'pids' | 'tids',
  threads = false,
): string[] {
  const head = threads ? `${members.length} threads: ${title}` : `${members.length} × ${title}`;
  return [head, `${noun} ${numberRuns(members)}`];
}
