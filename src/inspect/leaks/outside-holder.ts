/**
 * Which holder outside a container a shared-description finding names (its `outside`): the nearest one.
 *
 *   the container process's ancestors, nearest first (inside the container, then the runtime that started
 *   its init, then the runtime's parents) ──▶ the first that holds the description outside the container
 *   no ancestor holds it ──▶ the outside holder with the fewest parent links between it and the container
 *                            process, through their nearest common ancestor (a sibling of the runtime: 3)
 *   ties, and holders with no common ancestor in reach ──▶ the lowest pid, then the lowest fd
 *
 * A container inherits a description down the process tree (fork copies the fd table, and a runtime keeps
 * an fd open across its exec of the container's init unless it is close-on-exec), so the nearest ancestor
 * that still holds it is where the container got it: the runtime. Any other host process holding the same
 * description (a daemon that inherited the same /dev/null from a common ancestor, a process it was passed
 * to with SCM_RIGHTS) is a fact about that process, not about the container. When no ancestor holds it any
 * more (the runtime closed its copy, or it came over a socket), the closest relative is the best lead.
 */
import type { Holder } from '../fds/fds-report.js';

/**
 * The holder of `outside` (non-empty: holders of one description outside `pid`'s container) nearest to
 * container process `pid`; `ancestors` gives a pid's ancestors, nearest first.
 */
export function nearestOutside(
  pid: number,
  outside: readonly Holder[],
  ancestors: (pid: number) => readonly number[],
): Holder {
  /** Parent links from `pid` up to itself and each of its ancestors. */
  const linksUp = new Map([pid, ...ancestors(pid)].map((p, i) => [p, i]));
  /** [0, generations] for an ancestor; else [1, parent links through the nearest common ancestor]. */
  const rank = (h: Holder): [number, number] => {
    const generations = linksUp.get(h.pid);
    if (generations !== undefined) return [0, generations];
    const chain = [h.pid, ...ancestors(h.pid)];
    const down = chain.findIndex((p) => linksUp.has(p));
    return [1, down < 0 ? NO_COMMON_ANCESTOR : down + (linksUp.get(chain[down] as number) as number)];
  };
  const ranked = outside.map((h) => ({ h, r: rank(h) }));
  ranked.sort((x, y) => x.r[0] - y.r[0] || x.r[1] - y.r[1] || x.h.pid - y.h.pid || x.h.fd - y.h.fd);
  return (ranked[0] as { h: Holder }).h;
}

/** The distance of a holder with no common ancestor in reach: after every other. */
const NO_COMMON_ANCESTOR = Number.MAX_SAFE_INTEGER;
