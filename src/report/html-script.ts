/**
 * The HTML report's script (inline, runs offline). The search box matches graph nodes and table rows the
 * same way. A query that is some item's key (a pid, a tid, a description id such as d3, a resource such
 * as vm:1, a number in a name such as the inode of "pipe:[123]") matches exactly that key, so "10" does
 * not light up pid 100 and "d3" not d30; any other query that is not a number matches a case-insensitive
 * substring of the items' text (command, path, type). A hit node also lights its edges and the nodes at
 * their other end; everything else in the picture fades.
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
    if (first) first.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  };
  input.addEventListener('input', search);
  fit.addEventListener('change', () => document.querySelector('.graph').classList.toggle('fit', fit.checked));
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) { input.value = initial; search(); }
})();
`;
