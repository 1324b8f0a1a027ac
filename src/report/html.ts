/**
 * The HTML report: ONE self-contained file — the SVG picture, a legend, the summary, a search box and
 * the table beneath — with everything inline. A Content-Security-Policy of `default-src 'none'` (inline
 * style and script allowed) makes the browser refuse any fetch, so the file is provably offline.
 */
import { edgeId } from './dot.js';
import type { ObjectKind, SharingGraph } from './graph.js';
import { HTML_SCRIPT } from './html-script.js';
import { HTML_STYLE } from './html-style.js';
import { PALETTE } from './palette.js';
import { svgElement } from './svg.js';
import type { Column, Columns } from './table.js';

/** A table for the page: headings, and rows that carry their own search keys and text. */
export interface HtmlTable {
  caption: string;
  headings: string[];
  /** Right-aligned columns (numbers). */
  numeric: boolean[];
  rows: { cells: string[]; keys: string[] }[];
}

export interface HtmlPage {
  /** e.g. "kcmp fds --tree 1234". */
  title: string;
  graph: SharingGraph;
  /** The picture as Graphviz made it (prolog and all). */
  svg: string;
  /** The search box's placeholder: what this page's nodes can be found by. */
  searchHint: string;
  summary: string;
  table: HtmlTable;
  /** One line per error row of the report. */
  errors: string[];
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** JSON that is safe inside <script>: no "</script>", no "<!--". */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** An HtmlTable from the columns of a text table (table.ts), so both show the same cells. */
export function htmlTable<R>(
  caption: string,
  rows: readonly R[],
  columns: Columns<R>,
  names: readonly string[],
  keysOf: (row: R) => string[],
): HtmlTable {
  const specs = names.map((n) => columns[n] as Column<R>);
  return {
    caption,
    headings: [...names],
    numeric: specs.map((s) => s.align === 'right'),
    rows: rows.map((row) => ({
      cells: specs.map((s) => {
        const cell = s.get(row);
        return cell === null ? '' : String(cell);
      }),
      keys: keysOf(row),
    })),
  };
}

/** The singular of a stats key, where a count of one reads otherwise ("1 process", not "1 processes"). */
const ONE: Readonly<Record<string, string>> = {
  processes: 'process',
  tasks: 'task',
  fds: 'fd',
  descriptions: 'description',
  errors: 'error',
  comparisons: 'comparison',
};

/** "4 processes · 11 fds · 2 ms" (or "1 process · 1 fd") from a report's stats. */
export function statsLine(stats: object): string {
  return Object.entries(stats)
    .map(([key, value]) =>
      key === 'elapsedMs' ? `${value} ms` : value === 1 ? `1 ${ONE[key] ?? key}` : `${value} ${key}`,
    )
    .join(' · ');
}

function legend(graph: SharingGraph): string {
  const kinds = [...new Set(graph.objects.map((o) => o.kind))].sort(
    (a, b) => Object.keys(PALETTE).indexOf(a) - Object.keys(PALETTE).indexOf(b),
  );
  const item = (cls: string, style: string, text: string): string =>
    `<li><span class="swatch ${cls}"${style}></span>${escapeHtml(text)}</li>`;
  const actor = graph.actors.some((a) => a.tid !== undefined)
    ? 'task: pid/tid command'
    : 'process: pid command';
  return [
    '<ul class="legend">',
    item('actor', '', actor),
    graph.clusters.length > 0 ? item('cluster', '', 'a process with its children (and threads)') : '',
    ...kinds.map((k: ObjectKind) =>
      item('', ` style="background:${PALETTE[k].fill};border-color:${PALETTE[k].stroke}"`, PALETTE[k].legend),
    ),
    '</ul>',
  ].join('');
}

/** Rows beyond this are left out of the page (a browser slows down on huge tables), with a note. */
export const HTML_TABLE_LIMIT = 5000;

function table(t: HtmlTable): string {
  const head = t.headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const cut =
    t.rows.length > HTML_TABLE_LIMIT
      ? `<p class="summary">showing the first ${HTML_TABLE_LIMIT} of ${t.rows.length} rows; -J or the text table has them all</p>`
      : '';
  const body = t.rows
    .slice(0, HTML_TABLE_LIMIT)
    .map((r) => {
      const text = r.cells.join(' ').toLowerCase();
      const cells = r.cells
        .map((c, i) => `<td${t.numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</td>`)
        .join('');
      return `<tr data-keys="${escapeHtml(r.keys.join(' ').toLowerCase())}" data-text="${escapeHtml(text)}">${cells}</tr>`;
    })
    .join('\n');
  return `<h2>${escapeHtml(t.caption)}</h2>\n${cut}<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderHtml(page: HtmlPage): string {
  const { graph } = page;
  const data = {
    nodes: [...graph.actors, ...graph.objects].map((n) => ({
      id: n.id,
      keys: n.keys.map((k) => k.toLowerCase()),
      text: n.text.toLowerCase(),
    })),
    edges: graph.edges.map((e) => ({ id: edgeId(e.from, e.to), from: e.from, to: e.to })),
  };
  const notes = graph.notes.length
    ? `<ul class="notes">${graph.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  const errors = page.errors.length
    ? `<h2>Errors</h2><table class="errors"><tbody>${page.errors.map((e) => `<tr><td>${escapeHtml(e)}</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(page.title)}</h1>
<input id="search" type="search" placeholder="${escapeHtml(page.searchHint)}" aria-label="search" autocomplete="off">
<span id="matches" aria-live="polite"></span>
<label><input id="fit" type="checkbox"> fit to width</label>
</header>
<main>
<p class="summary">${escapeHtml(graph.title)} — ${escapeHtml(page.summary)}</p>
${notes}${legend(graph)}
<div class="graph">
${svgElement(page.svg)}
</div>
${table(page.table)}
${errors}
</main>
<script type="application/json" id="kcmp-data">${scriptJson(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
