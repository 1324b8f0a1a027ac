/**
 * The HTML report's script (inline, runs offline).
 *
 * - Search (`?q=1234` in the URL searches on load): the box matches graph nodes, matrix rows and columns, and table rows the same way. A query
 *   that is some item's key (a pid — every pid of a folded box is one of its keys —, a tid, a description
 *   id such as d3, a resource such as vm:1, a number in a name such as the inode of "pipe:[123]" or a
 *   port) matches exactly that key, so "10" does not light up pid 100 and "d3" not d30; any other query
 *   that is not a number matches a case-insensitive substring of the items' text (title, command, path,
 *   type). A hit node also lights its edges and the nodes at their other end; everything else in the
 *   picture fades.
 * - Click: a box or object (in the graph or the matrix) is described in one line above the picture; a
 *   folded box lists every pid it stands for, each a button that searches for it.
 * - Views: "graph" and "matrix" switch between the two (`?view=graph` in the URL opens with one);
 *   "fit to width" shrinks a wide graph to the pane (never enlarges it).
 * - Labels: Graphviz sized every box for Helvetica's metrics (dot.ts). Where the browser has no
 *   metric-compatible font (Helvetica, Arial, Liberation Sans) and falls back to a wider one, a label
 *   wider than its shape is narrowed to fit it (SVG textLength), once fonts are loaded.
 */
export const HTML_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('kcmp-data').textContent);
  const svg = document.querySelector('.graph svg');
  const input = document.getElementById('search');
  const count = document.getElementById('matches');
  const rows = Array.from(document.querySelectorAll('tbody tr[data-keys]')).map((el) => ({
    el, keys: el.dataset.keys.split(' '), text: el.dataset.text,
  }));
  const fit = document.getElementById('fit');
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const inMatrix = (id) => document.getElementById('m-' + id);
  const matcher = (query) => {
    const q = query.trim().toLowerCase();
    if (q === '') return null;
    if (data.nodes.some((n) => n.keys.includes(q)) || rows.some((r) => r.keys.includes(q))) {
      return (keys) => keys.includes(q);
    }
    if (/^[0-9]+$/.test(q)) return () => false;
    return (keys, text) => text.includes(q);
  };
  const search = () => {
    const match = matcher(input.value);
    for (const el of document.querySelectorAll('.hit, .near')) el.classList.remove('hit', 'near');
    if (svg) svg.classList.toggle('searching', match !== null);
    if (!match) { count.textContent = ''; return; }
    const hits = new Set(data.nodes.filter((n) => match(n.keys, n.text)).map((n) => n.id));
    let first = null;
    for (const id of hits) {
      inMatrix(id)?.classList.add('hit');
      const el = document.getElementById(id);
      if (!el) continue;
      el.classList.add('hit');
      first = first || el;
    }
    for (const e of data.edges) {
      if (!hits.has(e.from) && !hits.has(e.to)) continue;
      for (const id of [e.id, e.from, e.to]) document.getElementById(id)?.classList.add('near');
    }
    let rowHits = 0;
    for (const row of rows) {
      const on = match(row.keys, row.text);
      row.el.classList.toggle('hit', on);
      if (on) rowHits += 1;
    }
    count.textContent = hits.size + ' in the picture, ' + rowHits + ' in the table';
    if (first && !first.closest('[hidden]')) first.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  };
  const searchFor = (text) => { input.value = text; search(); };
  const describe = (id, view) => {
    const node = byId.get(id);
    if (!node) return;
    const details = view.querySelector('.details');
    details.replaceChildren(node.info);
    if (!node.members) return;
    details.append(' — pids:');
    for (const pid of node.members) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'pid';
      b.textContent = String(pid);
      b.addEventListener('click', () => searchFor(String(pid)));
      details.append(' ', b);
    }
  };
  const views = Array.from(document.querySelectorAll('[data-view]'));
  const viewOf = (button) => document.getElementById(button.dataset.view + '-view');
  for (const button of views) {
    const view = viewOf(button);
    view.addEventListener('click', (event) => {
      const target = event.target.closest('g.node, tr[id^="m-"], th[id^="m-"]');
      if (target) describe(target.id.replace(/^m-/, ''), view);
    });
    button.addEventListener('click', () => {
      for (const b of views) {
        b.setAttribute('aria-pressed', String(b === button));
        viewOf(b).hidden = b !== button;
      }
      fitLabels();
    });
  }
  input.addEventListener('input', search);
  fit.addEventListener('change', () => document.querySelector('.graph').classList.toggle('fit', fit.checked));
  const fitLabels = () => {
    if (!svg || svg.closest('[hidden]')) return;
    for (const g of svg.querySelectorAll('g.node, g.cluster')) {
      const shape = g.querySelector('polygon, ellipse, path');
      if (!shape) continue;
      const room = shape.getBBox().width - 4;
      for (const text of g.querySelectorAll('text')) {
        if (text.getComputedTextLength() <= room) continue;
        text.setAttribute('textLength', String(room));
        text.setAttribute('lengthAdjust', 'spacingAndGlyphs');
      }
    }
  };
  document.fonts.ready.then(fitLabels);
  const params = new URLSearchParams(location.search);
  document.getElementById('view-' + params.get('view'))?.click();
  const initial = params.get('q');
  if (initial) searchFor(initial);
})();
`;
