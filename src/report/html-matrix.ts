/**
 * The HTML page's matrix view: the sharing graph as a table, for where a drawing stops being readable.
 * One row per box (folded processes stay one row, "31 × postgres: … idle"; children indented under their
 * parent), one column per shared object (its name written upwards), and a filled cell where a box holds an
 * object: the fd numbers it holds it under, coloured by the description's access mode (r, w, rw; a task
 * resource by its kind). Rows and column heads keep their place while the grid scrolls, so 40 rows × 200
 * columns stay legible.
 *
 *                  d1 TCP 127.0.0.1:80 (LISTEN)        d2 REG /var/log/access.log
 *   100 master     3                                   4
 *     200 × worker 3                                   4
 */
import { type ActorNode, type GraphEdge, type SharingGraph, treeDepths } from './graph.js';
import { escapeHtml } from './html-escape.js';

/** The id of a box's row or an object's column in the matrix: "m-pid-10", "m-desc-d3". */
function matrixId(nodeId: string): string {
  return `m-${nodeId}`;
}

function rowHead(a: ActorNode, depth: number): string {
  const [head, ...rest] = a.label;
  const more = rest.map((line) => `<small>${escapeHtml(line)}</small>`).join('');
  return `<th scope="row" class="row" style="padding-left:${0.4 + depth * 1.1}em" title="${escapeHtml(a.label.join('\n'))}">${escapeHtml(head ?? '')}${more}</th>`;
}

/** The matrix of a sharing graph, as one `<table>`; `corner` says what its rows and columns are. */
export function renderMatrix(graph: SharingGraph, corner: string): string {
  const held = new Map<string, GraphEdge>();
  for (const e of graph.edges) if (e.relation !== 'peer') held.set(`${e.from} ${e.to}`, e);
  const depth = treeDepths(graph);
  const heads = graph.objects
    .map(
      (o) =>
        `<th scope="col" class="col kind-${o.kind}" id="${matrixId(o.id)}" title="${escapeHtml(o.title)}"><span>${escapeHtml(o.label.slice(0, 2).join(' '))}</span></th>`,
    )
    .join('');
  const rows = graph.actors.map((a) => {
    const cells = graph.objects.map((o) => {
      const e = held.get(`${a.id} ${o.id}`);
      if (e === undefined) return '<td></td>';
      const fill = o.mode === undefined ? `kind-${o.kind}` : `mode-${o.mode === '-' ? 'path' : o.mode}`;
      const what = `${a.label[0]} — ${o.label.slice(0, 2).join(' ')}${e.fds ? ` — fd ${e.fds.join(',')}` : ''}${o.mode ? ` ${o.mode}` : ''}`;
      return `<td class="${fill}" title="${escapeHtml(what)}">${e.fds ? e.fds.join(',') : '•'}</td>`;
    });
    return `<tr id="${matrixId(a.id)}">${rowHead(a, depth.get(a.id) ?? 0)}${cells.join('')}</tr>`;
  });
  return `<table class="grid"><thead><tr><th class="corner">${escapeHtml(corner)}</th>${heads}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}
