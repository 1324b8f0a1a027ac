/**
 * DOT text (Graphviz) for a sharing graph. Deterministic: clusters, nodes and edges come out in the
 * graph's own order, which depends on the topology only (graph.ts), and every id and label is quoted, so
 * the same graph always gives byte-identical text. Node `id`s and `class`es reach the SVG, where the HTML
 * report's search uses them.
 */
import type { GraphCluster, ObjectKind, SharingGraph } from './graph.js';
import { ACTOR_STYLE, PALETTE } from './palette.js';

const FONT = 'Helvetica,Arial,sans-serif';

/** A DOT string literal. Backslashes are doubled so Graphviz's escString codes (\N, \G, \l…) never fire;
 * control characters (a path may hold a newline) are shown as \xHH. Lines are joined with DOT's \n. */
export function dotQuote(text: string | readonly string[]): string {
  const lines = typeof text === 'string' ? [text] : text;
  const escaped = lines.map((line) =>
    line
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
      .replace(/[\x00-\x1f\x7f]/g, (c) => `\\\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
  );
  return `"${escaped.join('\\n')}"`;
}

function attrs(list: Record<string, string>): string {
  return Object.entries(list)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function kindClass(kind: ObjectKind): string {
  return `kind-${kind}`;
}

/** How {@link renderDot} and {@link renderSvg} draw a graph. */
export interface DotOptions {
  /** Write the title and notes into the picture (default); a page that prints them itself says false. */
  caption?: boolean;
}

/**
 * The sharing graph as Graphviz DOT text (`dot -Tsvg` draws it), with its title and notes as the caption
 * unless `caption: false`.
 *
 * @example
 * const dot = renderDot(fdsGraph(await inspectFds({ selection: { kind: 'tree', root: process.pid } })));
 */
export function renderDot(graph: SharingGraph, options: DotOptions = {}): string {
  const out: string[] = [];
  const caption = [graph.title, ...graph.notes.map((n) => `note: ${n}`)];
  const label: Record<string, string> =
    options.caption === false
      ? {}
      : { label: dotQuote(caption), labelloc: 't', labeljust: 'l', tooltip: dotQuote(graph.title) };
  out.push('digraph kcmp {');
  out.push(
    `  graph [${attrs({ fontname: dotQuote(FONT), fontsize: '11', ...label, rankdir: 'LR', newrank: 'true', nodesep: '0.2', ranksep: '0.6', compound: 'true' })}];`,
  );
  out.push(
    `  node [${attrs({ fontname: dotQuote(FONT), fontsize: '10', shape: 'box', style: '"rounded,filled"', fillcolor: dotQuote(ACTOR_STYLE.fill), color: dotQuote(ACTOR_STYLE.stroke) })}];`,
  );
  out.push(`  edge [${attrs({ fontname: dotQuote(FONT), fontsize: '9', dir: 'none' })}];`);

  const actorLines = new Map<string | null, string[]>();
  const objectLines = new Map<string | null, string[]>();
  const add = (to: Map<string | null, string[]>, cluster: string | null, line: string): void => {
    to.set(cluster, [...(to.get(cluster) ?? []), line]);
  };
  for (const a of graph.actors) {
    add(
      actorLines,
      a.cluster,
      `${dotQuote(a.id)} [${attrs({ id: dotQuote(a.id), class: dotQuote(`actor pid-${a.pid}`), label: dotQuote(a.label), tooltip: dotQuote(a.label.join(' ')) })}];`,
    );
  }
  for (const o of graph.objects) {
    const swatch = PALETTE[o.kind];
    add(
      objectLines,
      o.cluster,
      `${dotQuote(o.id)} [${attrs({ id: dotQuote(o.id), class: dotQuote(`object ${kindClass(o.kind)}`), shape: 'ellipse', style: 'filled', fillcolor: dotQuote(swatch.fill), color: dotQuote(swatch.stroke), label: dotQuote(o.label), tooltip: dotQuote(o.title) })}];`,
    );
  }
  const children = new Map<string | null, GraphCluster[]>();
  for (const c of graph.clusters) children.set(c.parent, [...(children.get(c.parent) ?? []), c]);
  // Per level: its processes (the parent first), then the nested clusters, then the shared objects.
  const emit = (cluster: string | null, indent: string): void => {
    for (const line of actorLines.get(cluster) ?? []) out.push(`${indent}${line}`);
    for (const c of children.get(cluster) ?? []) {
      out.push(`${indent}subgraph ${dotQuote(`cluster_${c.id}`)} {`);
      out.push(
        `${indent}  graph [${attrs({ id: dotQuote(c.id), class: '"cluster"', label: dotQuote(c.label), style: '"rounded,dashed"', color: dotQuote(ACTOR_STYLE.cluster), fontsize: '10', tooltip: dotQuote(c.label) })}];`,
      );
      emit(c.id, `${indent}  `);
      out.push(`${indent}}`);
    }
    for (const line of objectLines.get(cluster) ?? []) out.push(`${indent}${line}`);
  };
  emit(null, '  ');

  // Parent → child: dashed, with an arrow, so the process tree reads apart from the sharing links.
  for (const t of graph.tree) {
    out.push(
      `  ${dotQuote(t.from)} -> ${dotQuote(t.to)} [${attrs({ id: dotQuote(edgeId(t.from, t.to)), class: '"tree"', style: 'dashed', color: dotQuote(ACTOR_STYLE.cluster), dir: 'forward', arrowsize: '0.6' })}];`,
    );
  }

  for (const e of graph.edges) {
    const stroke = PALETTE[e.kind].stroke;
    const edgeAttrs: Record<string, string> = {
      id: dotQuote(edgeId(e.from, e.to)),
      class: dotQuote(`${e.relation === 'peer' ? 'peer' : 'link'} ${kindClass(e.kind)}`),
      color: dotQuote(stroke),
    };
    if (e.relation === 'peer') {
      // the other end: dashed and doubled, and not a rank constraint, so sharing keeps the layout
      edgeAttrs.style = '"dashed"';
      edgeAttrs.penwidth = '2';
      edgeAttrs.constraint = 'false';
    }
    if (e.label !== '') {
      // A peer edge is no rank constraint, so its ends may share a rank: a flat edge, which dot routes
      // around a label node of its own when it has a `label` — and in nested clusters that routing can
      // fail (Graphviz 16: "triangulation failed" on stderr, the edge drawn astray). An `xlabel` is
      // placed once the edges are routed.
      edgeAttrs[e.relation === 'peer' ? 'xlabel' : 'label'] = dotQuote(e.label);
      edgeAttrs.fontcolor = dotQuote(stroke);
    }
    out.push(`  ${dotQuote(e.from)} -> ${dotQuote(e.to)} [${attrs(edgeAttrs)}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** The SVG id of the edge between an actor and an object. */
export function edgeId(from: string, to: string): string {
  return `edge-${from}--${to}`;
}
