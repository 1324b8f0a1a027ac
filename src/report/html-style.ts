import { PALETTE } from './palette.js';

/** The matrix cells' fills: by access mode for descriptions, by kind for task resources. */
const MODES = { r: '#dbe7f3', w: '#fde3c8', rw: '#d9ecd5', path: '#ebe7e5' } as const;

const matrixFills = [
  ...Object.entries(MODES).map(([mode, fill]) => `.mode-${mode} { background: ${fill}; }`),
  ...Object.entries(PALETTE).map(
    ([kind, s]) =>
      `.grid td.kind-${kind} { background: ${s.fill}; } .grid th.kind-${kind} { border-bottom: 3px solid ${s.stroke}; }`,
  ),
].join('\n');

/** The HTML report's stylesheet: inline, no fonts or images to fetch. */
export const HTML_STYLE = `
:root { --ink: #222; --muted: #666; --line: #ddd; --hit: #ffb000; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); }
header { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center;
  padding: 0.6rem 1rem; background: #fafafa; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.05rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
#search { font: inherit; padding: 0.25rem 0.5rem; width: 22rem; max-width: 100%; }
#matches { color: var(--muted); min-width: 8rem; }
main { padding: 0 1rem 2rem; }
.summary { color: var(--muted); margin: 0.6rem 0; }
.notes li { color: #9a3412; }
.legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; margin: 0.4rem 0; padding: 0; list-style: none; font-size: 0.85rem; }
.legend .swatch { display: inline-block; width: 1.4em; height: 0.9em; margin-right: 0.35em; vertical-align: -0.1em;
  border: 1.5px solid; border-radius: 0.45em; }
.legend .actor { border-radius: 0.2em; background: #fff; border-color: #444; }
.legend .cluster { border-radius: 0.2em; border-style: dashed; border-color: #9a9a9a; }
.legend .treelink, .legend .peerlink { height: 0; border-width: 0; border-top: 1.5px dashed #9a9a9a; border-radius: 0; vertical-align: 0.3em; }
.legend .peerlink { border-top: 3px dashed #777; }
.views button { font: inherit; padding: 0.15rem 0.7rem; border: 1px solid #bbb; background: #fff; cursor: pointer; }
.views button[aria-pressed="true"] { background: #333; color: #fff; border-color: #333; }
p.details { min-height: 1.4em; margin: 0.3rem 0; font-size: 0.85rem; }
p.details button.pid { font: inherit; padding: 0 0.3em; margin: 0.1em 0; border: 1px solid #bbb; background: #fff; cursor: pointer; }
.graph, .grid-pane { overflow: auto; max-height: 75vh; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
/* Graphviz sized the boxes for Helvetica's metrics: the fonts that share them come first. */
.graph svg text { font-family: Helvetica, Arial, "Liberation Sans", "Nimbus Sans", sans-serif; }
.graph svg g.node, .graph svg g.cluster { cursor: pointer; }
.graph.fit svg { max-width: 100%; height: auto; }
.grid { font-size: 0.8rem; margin: 0; }
.grid th, .grid td { border: 1px solid var(--line); padding: 0.1rem 0.25rem; }
.grid td { text-align: center; font-variant-numeric: tabular-nums; min-width: 1.6em; }
.grid thead th { position: sticky; top: 0; z-index: 1; background: #f3f3f3; vertical-align: bottom; }
.grid th.col span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: normal; }
.grid th.row { position: sticky; left: 0; top: auto; z-index: 1; background: #fafafa; text-align: left; font-weight: normal; white-space: nowrap; }
.grid th.row small { display: block; color: var(--muted); }
.grid th.corner { left: 0; z-index: 2; vertical-align: bottom; text-align: left; font-weight: normal; color: var(--muted); }
.grid .hit, .grid th.hit { outline: 3px solid var(--hit); outline-offset: -3px; }
.legend .swatch.mode-r, .legend .swatch.mode-w, .legend .swatch.mode-rw { border-color: #999; border-radius: 0.2em; }
${matrixFills}
svg.searching .node, svg.searching .edge { opacity: 0.18; }
svg.searching .near { opacity: 1; }
svg.searching .hit { opacity: 1; }
svg .hit > path, svg .hit > polygon, svg .hit > ellipse,
svg .hit > g > a > path, svg .hit > g > a > polygon, svg .hit > g > a > ellipse {
  stroke: var(--hit); stroke-width: 4px; }
table { border-collapse: collapse; font-size: 0.85rem; margin-top: 0.3rem; }
th, td { padding: 0.15rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; white-space: pre; }
th { position: sticky; top: 3rem; background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.hit td { background: #fff1c2; }
.errors td { color: #9a3412; }
`;
