/**
 * Which view the HTML page opens with, and why — the page says it in one line. A drawing is read by
 * following lines: past a few dozen boxes or objects, or sixty lines, they cross until no line can be
 * followed, and the matrix (html-matrix.ts), where each holding is a cell in a row and a column, reads
 * better. The limits are where the pictures of real servers (nginx, PostgreSQL, a pre-fork server; see
 * docs/pictures.md) stop being readable in a browser window.
 */
import { drawnEdgeId } from './dot.js';
import { plural, type SharingGraph } from './graph.js';

/** Past any of these the page opens with the matrix. */
const READABLE_GRAPH = { boxes: 30, objects: 24, edges: 60 } as const;

export interface OpeningView {
  view: 'graph' | 'matrix';
  /** "Opened as a matrix: 9 boxes and 23 shared descriptions joined by 95 lines, more than a drawing keeps
   * readable (60 lines); the graph is one click away." */
  reason: string;
}

/** The view to open with; `noun` names the objects ("shared description", "shared resource"). */
export function openingView(graph: SharingGraph, noun: string): OpeningView {
  const boxes = graph.actors.length;
  const objects = graph.objects.length;
  const lines = new Set(graph.edges.map(drawnEdgeId)).size;
  const size = `${plural(boxes, 'box', 'boxes')} and ${plural(objects, noun)} joined by ${plural(lines, 'line')}`;
  const over = [
    boxes > READABLE_GRAPH.boxes ? `${READABLE_GRAPH.boxes} boxes` : '',
    objects > READABLE_GRAPH.objects ? `${READABLE_GRAPH.objects} ${noun}s` : '',
    lines > READABLE_GRAPH.edges ? `${READABLE_GRAPH.edges} lines` : '',
  ].filter((s) => s !== '');
  if (over.length > 0) {
    return {
      view: 'matrix',
      reason: `Opened as a matrix: ${size}, more than a drawing keeps readable (${over.join(', ')}); the graph is one click away.`,
    };
  }
  return {
    view: 'graph',
    reason: `Opened as a graph: ${size} read well drawn; the matrix lists the same as rows and columns.`,
  };
}
