/**
 * The sharing graph and its DOT and SVG renderings, on hand-made reports with fixed pids (golden files in
 * test/expected/; rewrite them with UPDATE_GOLDEN=1 after a deliberate change, and review the diff), then
 * `--format svg|dot` of the real CLI on a live fixture tree.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import type { FdsReport } from '../src/inspect/fds/fds-report.js';
import { renderDot } from '../src/report/dot.js';
import { fdsGraph, type SharingGraph } from '../src/report/graph.js';
import { tasksGraph } from '../src/report/graph-tasks.js';
import { HTML_TABLE_LIMIT, renderHtml } from '../src/report/html.js';
import { renderSvg } from '../src/report/svg.js';
import { mkfds } from './fixture/mkfds.js';
import { runCli } from './helpers/cli.js';
import { fdsJson } from './helpers/fds.js';
import { awkwardReport, flatPeerReport, preforkReport, tasksReport } from './helpers/reports.js';

const EXPECTED = join(import.meta.dirname, 'expected');

function golden(name: string, actual: string): void {
  const file = join(EXPECTED, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

/** Parses as XML, failing on any error or warning; returns the text of every <text> element. */
export function svgTexts(svg: string): string[] {
  const doc = new DOMParser({
    onError: (level, message) => {
      throw new Error(`SVG ${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  assert.equal(doc.documentElement?.nodeName, 'svg');
  return Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent ?? '');
}

/** A deterministic shuffle (reverse, rotate) of everything a scanner could emit in another order. */
function reordered(report: FdsReport): FdsReport {
  const rotate = <T>(xs: T[]): T[] => [...xs.slice(1), ...xs.slice(0, 1)];
  return {
    ...report,
    processes: rotate([...report.processes].reverse()),
    descriptions: rotate([...report.descriptions].reverse()).map((d) => ({
      ...d,
      holders: [...d.holders].reverse(),
    })),
  };
}

test('golden DOT: a pre-fork server, its workers and a helper', () => {
  golden('graph-prefork.dot', renderDot(fdsGraph(preforkReport())));
});

test('golden DOT: threads and a CLONE_FILES child (kcmp tasks)', () => {
  golden('graph-tasks.dot', renderDot(tasksGraph(tasksReport())));
});

test('DOT depends on the topology, not on the order the scan listed things in', () => {
  const report = preforkReport();
  assert.equal(renderDot(fdsGraph(reordered(report))), renderDot(fdsGraph(report)));
  assert.equal(renderDot(fdsGraph(report)), renderDot(fdsGraph(report)));
});

test('descriptions sit in the innermost cluster holding all their holders; unshared fds are counted', () => {
  const g = fdsGraph(preforkReport());
  const cluster = (id: string) => g.objects.find((o) => o.id === id)?.cluster;
  assert.equal(cluster('desc-d1'), 'tree-100'); // 100, 101, 102
  assert.equal(cluster('desc-d3'), 'tree-101'); // 101 and its child 103
  assert.equal(cluster('desc-d4'), 'tree-100'); // 102 alone: its home is its parent's cluster
  assert.deepEqual(
    g.clusters.map((c) => [c.id, c.parent]),
    [
      ['tree-100', null],
      ['tree-101', 'tree-100'],
    ],
  );
  assert.equal(g.objects.length, 5, 'the unshared /etc/hosts is not drawn');
  assert.deepEqual(g.actors.find((a) => a.pid === 102)?.label, ['102 worker', '+1 unshared fd']);
  const dupEdge = g.edges.find((e) => e.to === 'desc-d4');
  assert.equal(dupEdge?.label, 'fds 7,8');
  const all = fdsGraph(preforkReport(), { unshared: 'show' });
  assert.equal(all.objects.length, 5, '--all lists unshared fds on their process, not as nodes');
  assert.equal(all.actors.find((a) => a.pid === 102)?.label[1]?.startsWith('fd '), true);
  assert.match(all.title, /^4 processes, 5 shared descriptions, 1 unshared fd listed on their processes$/);
  assert.deepEqual(
    g.tree.map((l) => `${l.from}>${l.to}`),
    ['pid-100>pid-101', 'pid-101>pid-103', 'pid-100>pid-102'],
    'parent → child links, in tree order',
  );
  assert.deepEqual(fdsGraph(preforkReport(), { clusters: false }).clusters, []);
});

test('caps keep ancestors and the most shared objects, and say so in the picture', () => {
  const g = fdsGraph(preforkReport(), { maxActors: 2, maxObjects: 1 });
  assert.deepEqual(
    g.actors.map((a) => a.pid),
    [100, 101],
  );
  assert.equal(g.objects.length, 1);
  assert.equal(g.notes.length, 2);
  assert.match(g.notes[0] ?? '', /^showing 2 of 4 processes \(limit 2\)/);
  assert.match(renderDot(g), /note: showing 2 of 4 processes/);
});

function assertNamesEveryActor(graph: SharingGraph, texts: string[]): void {
  for (const a of graph.actors) {
    assert.ok(
      texts.some((t) => t === a.label[0]),
      `SVG names ${JSON.stringify(a.label[0])}`,
    );
  }
}

test('SVG is well-formed XML and names every process and task', async () => {
  for (const graph of [fdsGraph(preforkReport()), tasksGraph(tasksReport())]) {
    const svg = await renderSvg(graph);
    assertNamesEveryActor(graph, svgTexts(svg));
  }
});

test('quotes, backslashes, markup and newlines in names survive DOT and SVG', async () => {
  const graph = fdsGraph(awkwardReport());
  const dot = renderDot(graph);
  assert.match(dot, /label="200 a \\"q\\" \\\\n <b>&"/);
  assert.match(dot, /label="201 x\\\\x0ay"/);
  const texts = svgTexts(await renderSvg(graph));
  assert.ok(texts.includes('200 a "q" \\n <b>&'), texts.join(' | '));
  assert.ok(texts.includes('201 x\\x0ay'), texts.join(' | '));
});

/** What `run` writes to this process's stderr (Graphviz's WebAssembly prints its diagnostics there). */
async function stderrOf<T>(run: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await run(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('a labelled peer edge whose ends share a rank in nested clusters: laid out without Graphviz complaints', async () => {
  const graph = fdsGraph(flatPeerReport());
  const { value: svg, stderr } = await stderrOf(() => renderSvg(graph));
  assert.equal(stderr, '', 'dot routed every edge (a label on the flat edge made it fail)');
  assert.match(renderDot(graph), /"desc-d61" -> "desc-d76" \[.*class="peer kind-socket".*xlabel="peer/);
  assert.ok(
    svgTexts(svg).some((t) => t.startsWith('peer')),
    'the peer label is still drawn',
  );
});

test('kcmp fds --format svg|dot on a live tree: well-formed, every process named, the same DOT twice', async (t) => {
  const f = await mkfds(t, 'prefork');
  if (!f) return;
  const tree = ['fds', '--tree', String(f.pids.main)];
  const svg = runCli([...tree, '--format', 'svg']);
  assert.equal(svg.code, 0, svg.stderr);
  const texts = svgTexts(svg.stdout);
  for (const pid of Object.values(f.pids)) {
    assert.ok(
      texts.some((s) => s.startsWith(`${pid} `)),
      `SVG names process ${pid}`,
    );
  }
  const dot = runCli([...tree, '--format', 'dot']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.equal(runCli([...tree, '--format', 'dot']).stdout, dot.stdout);
  const tasks = runCli(['tasks', '--tree', String(f.pids.main), '--format', 'svg']);
  assert.equal(tasks.code, 0, tasks.stderr);
  const taskTexts = svgTexts(tasks.stdout);
  for (const pid of Object.values(f.pids)) {
    assert.ok(
      taskTexts.includes(
        `${pid} ${pid === f.pids.main ? 'server' : pid === f.pids.helper ? 'helper' : 'worker'}`,
      ),
    );
  }
});

test('kcmp fds --all pictures on a live tree: the caption counts shared descriptions only, unshared fds fold onto their process, parents link to children', async (t) => {
  const f = await mkfds(t, 'prefork');
  if (!f) return;
  const report = fdsJson(['--tree', String(f.pids.main), '--all']);
  const tree = ['fds', '--tree', String(f.pids.main), '--all'];
  const shared = report.descriptions.filter((d) => d.holders.length > 1).length;
  const unshared = report.descriptions.length - shared;
  assert.ok(unshared > 0, 'the fixture holds unshared fds');
  const dot = runCli([...tree, '--format', 'dot']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.match(
    dot.stdout,
    new RegExp(
      `label="${report.processes.length} processes, ${shared} shared descriptions, ${unshared} unshared fds listed on their processes"`,
    ),
  );
  assert.equal(
    dot.stdout.match(/shape=ellipse/g)?.length,
    shared,
    'one node per shared description, none for unshared',
  );
  assert.equal(
    dot.stdout.match(/class="tree"/g)?.length,
    report.processes.length - 1,
    'a link from each parent to each child',
  );
  const html = runCli([...tree, '--format', 'html']);
  assert.equal(html.code, 0, html.stderr);
  assert.equal(
    html.stdout.split(`${report.processes.length} processes, ${shared} shared descriptions`).length - 1,
    1,
    'the caption is printed once, above the picture',
  );
  const tasks = runCli(['tasks', '--tree', String(f.pids.main), '--format', 'html']);
  assert.equal(tasks.code, 0, tasks.stderr);
  assert.match(tasks.stdout, /placeholder="search a pid, tid or resource \(vm:1\)"/);
});

test('--format and -J must agree; an unknown format is refused', () => {
  for (const args of [
    ['fds', '-p', String(process.pid), '-J', '--format', 'svg'],
    ['tasks', '-p', String(process.pid), '--format', 'xml'],
  ]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kcmp: [^\n]+\n$/);
  }
});

test('HTML: offline by policy, names inline, long tables cut with a note', () => {
  const graph = fdsGraph(awkwardReport());
  const rows = Array.from({ length: HTML_TABLE_LIMIT + 1 }, (_, i) => ({
    cells: [String(i)],
    keys: [String(i)],
  }));
  const html = renderHtml({
    title: 'kcmp fds <x>',
    graph,
    svg: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>t</text></svg>',
    searchHint: 'search a pid, tid or resource (vm:1)',
    summary: 's',
    table: { caption: 'c', headings: ['N'], numeric: [true], rows },
    errors: [],
  });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.ok(!/<(script|img|link)[^>]+(src|href)=/.test(html), 'nothing to fetch');
  assert.ok(!html.includes('<?xml'), 'the SVG is inlined without its prolog');
  assert.match(html, /<title>kcmp fds &lt;x&gt;<\/title>/);
  assert.match(html, /placeholder="search a pid, tid or resource \(vm:1\)"/);
  assert.match(html, new RegExp(`showing the first ${HTML_TABLE_LIMIT} of ${HTML_TABLE_LIMIT + 1} rows`));
  assert.equal(html.match(/<tr data-keys=/g)?.length, HTML_TABLE_LIMIT);
  const data = /<script type="application\/json" id="kcmp-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
  assert.ok(!data.includes('<'), 'embedded JSON cannot close its script element');
  assert.equal(JSON.parse(data).nodes.length, 3);
});
