#!/usr/bin/env node
/**
 * Graph layout engines on a synthetic 500-process sharing graph: Graphviz compiled to WebAssembly
 * (@hpcc-js/wasm-graphviz, `dot`) against ELK (elkjs, `layered`, hierarchy included). Both get the same
 * graph, built by the shipped code (dist/report/graph.js) from a made-up kcmp.fds/2 report, so no
 * process is touched. For each engine: the first load, layout time (median of RUNS after one warm-up),
 * the size of the SVG, the drawing's area, and overlapping node boxes (the readability floor).
 *
 *   npm run build && node bench/graph-layout.mjs [--out DIR]    # DIR gets both SVGs to look at
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderDot } from '../dist/report/dot.js';
import { fdsGraph } from '../dist/report/graph.js';

const RUNS = 5;
const SERVICES = 10;
const WORKERS = 24; // each service: a master, 24 workers, each worker with one helper child = 49

/** A pre-fork server farm: per service a listening socket and a log file shared by the master and its
 * workers, a pipe between each worker and its helper, an eventfd shared by the master and 4 workers,
 * and a few unshared fds per process (collapsed into counts). */
function syntheticReport() {
  const processes = [{ pid: 2, ppid: 1, command: 'init-shell' }];
  const descriptions = [];
  let ino = 1000;
  let pid = 100;
  const desc = (type, name, holders) =>
    descriptions.push({
      id: `d${descriptions.length + 1}`,
      type,
      name,
      dev: '0:9',
      ino: ino++,
      certain: true,
      method: 'kcmp',
      holders,
    });
  for (let s = 0; s < SERVICES; s++) {
    const master = pid++;
    const cmd = `svc${s}`;
    processes.push({ pid: master, ppid: 2, command: cmd });
    const logger = pid++;
    processes.push({ pid: logger, ppid: master, command: 'logger' });
    const workers = [];
    for (let w = 0; w < WORKERS; w++) {
      const worker = pid++;
      const helper = pid++;
      workers.push(worker);
      processes.push({ pid: worker, ppid: master, command: `${cmd}-worker` });
      processes.push({ pid: helper, ppid: worker, command: 'helper' });
      desc('FIFO', `pipe:[${ino}]`, [
        { pid: worker, fd: 7, command: `${cmd}-worker` },
        { pid: helper, fd: 1, command: 'helper' },
      ]);
      for (const p of [worker, helper]) desc('REG', `/proc/${p}/status`, [{ pid: p, fd: 9, command: 'x' }]);
    }
    const all = [master, ...workers];
    desc(
      'SOCK',
      `socket:[${ino}]`,
      all.map((p) => ({ pid: p, fd: 3, command: cmd })),
    );
    desc(
      'REG',
      `/var/log/${cmd}/access.log`,
      all.map((p) => ({ pid: p, fd: 4, command: cmd })),
    );
    desc('FIFO', `pipe:[${ino}]`, [
      ...all.map((p) => ({ pid: p, fd: 2, command: cmd })),
      { pid: logger, fd: 0, command: 'logger' },
    ]);
    desc(
      'eventfd',
      'anon_inode:[eventfd]',
      all.slice(0, 5).map((p) => ({ pid: p, fd: 5, command: cmd })),
    );
  }
  const fds = descriptions.reduce((n, d) => n + d.holders.length, 0);
  return {
    schema: 'kcmp.fds/2',
    processes,
    descriptions,
    errors: [],
    stats: {
      processes: processes.length,
      fds,
      descriptions: descriptions.length,
      shared: 0,
      errors: 0,
      comparisons: 0,
      elapsedMs: 0,
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  await fn(); // warm-up
  const times = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

/** Overlapping pairs among axis-aligned boxes {x, y, w, h} (x, y = top-left). Sweep on x. */
function overlaps(boxes) {
  const sorted = [...boxes].sort((a, b) => a.x - b.x);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length && sorted[j].x < a.x + a.w - 0.5; j++) {
      const b = sorted[j];
      if (b.y < a.y + a.h - 0.5 && a.y < b.y + b.h - 0.5) count++;
    }
  }
  return count;
}

async function graphvizRun(graph) {
  const t0 = performance.now();
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const gv = await Graphviz.load();
  const loadMs = performance.now() - t0;
  const dot = renderDot(graph);
  const { ms, result: svg } = await time(() => gv.dot(dot, 'svg'));
  // Node boxes from Graphviz's own JSON output (points; pos is the centre, width/height in inches).
  const json = JSON.parse(gv.dot(dot, 'json'));
  const boxes = (json.objects ?? [])
    .filter((o) => o.pos && o.width)
    .map((o) => {
      const [cx, cy] = o.pos.split(',').map(Number);
      const w = Number(o.width) * 72;
      const h = Number(o.height) * 72;
      return { x: cx - w / 2, y: cy - h / 2, w, h };
    });
  const [, , bw, bh] = json.bb.split(',').map(Number);
  return { engine: 'graphviz (wasm, dot)', loadMs, ms, svg, boxes, area: [bw, bh] };
}

/** ELK gets the same nodes, clusters as compound nodes, and label sizes estimated like Graphviz's. */
function elkGraph(graph) {
  const size = (lines) => ({
    width: Math.max(...lines.map((l) => l.length)) * 6 + 16,
    height: lines.length * 13 + 10,
  });
  const holder = new Map([[null, { id: 'root', children: [], edges: [] }]]);
  for (const c of graph.clusters) {
    const node = {
      id: c.id,
      labels: [{ text: c.label, width: c.label.length * 6, height: 13 }],
      children: [],
    };
    holder.set(c.id, node);
    holder.get(c.parent).children.push(node);
  }
  for (const n of [...graph.actors, ...graph.objects]) {
    holder
      .get(n.cluster)
      .children.push({ id: n.id, labels: [{ text: n.label.join('\n') }], ...size(n.label) });
  }
  const root = holder.get(null);
  root.edges = graph.edges.map((e, i) => ({
    id: `e${i}`,
    sources: [e.from],
    targets: [e.to],
    labels: [{ text: e.label, width: e.label.length * 5, height: 11 }],
  }));
  root.layoutOptions = {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.padding': '[top=20,left=8,bottom=8,right=8]',
  };
  return root;
}

/** A minimal SVG of ELK's result (ELK computes coordinates only): boxes, labels, edge polylines. */
function elkSvg(laid) {
  const parts = [];
  const boxes = [];
  const walk = (n, ox, oy) => {
    for (const c of n.children ?? []) {
      const x = ox + c.x;
      const y = oy + c.y;
      parts.push(`<g id="${c.id}"><rect x="${x}" y="${y}" width="${c.width}" height="${c.height}" rx="4"/>`);
      for (const l of c.labels ?? []) parts.push(`<text x="${x + 4}" y="${y + 12}">${l.text}</text>`);
      parts.push('</g>');
      if (c.children?.length) walk(c, x, y);
      else boxes.push({ x, y, w: c.width, h: c.height });
    }
    for (const e of n.edges ?? []) {
      for (const s of e.sections ?? []) {
        const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => `${ox + p.x},${oy + p.y}`);
        parts.push(`<polyline fill="none" stroke="#888" points="${pts.join(' ')}"/>`);
      }
    }
  };
  walk(laid, 0, 0);
  const style =
    '<style>rect{fill:#fff;fill-opacity:0;stroke:#444}text{font:10px sans-serif;white-space:pre}</style>';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${laid.width}" height="${laid.height}">${style}${parts.join('\n')}</svg>`;
  return { svg, boxes };
}

async function elkRun(graph) {
  const t0 = performance.now();
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const loadMs = performance.now() - t0;
  const { ms, result } = await time(() => elk.layout(elkGraph(graph)));
  const { svg, boxes } = elkSvg(result);
  return { engine: 'elkjs (layered)', loadMs, ms, svg, boxes, area: [result.width, result.height] };
}

const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const report = syntheticReport();
const graphs = [
  ['all', fdsGraph(report, { maxActors: 1000 })],
  ['capped', fdsGraph(report)], // as `kcmp fds --format svg` draws it: GRAPH_LIMITS
];
console.log(`median of ${RUNS} runs after one warm-up; ${report.processes.length} processes in the report`);
console.log(
  'graph   nodes  edges  engine                 load ms  layout ms  SVG KB  area (pt)      overlaps',
);
for (const [name, graph] of graphs) {
  for (const run of [graphvizRun, elkRun]) {
    const r = await run(graph);
    console.log(
      `${name.padEnd(7)} ${String(graph.actors.length + graph.objects.length).padStart(5)}  ` +
        `${String(graph.edges.length).padStart(5)}  ${r.engine.padEnd(22)} ${r.loadMs.toFixed(0).padStart(7)}  ` +
        `${r.ms.toFixed(0).padStart(9)}  ${(r.svg.length / 1024).toFixed(0).padStart(6)}  ` +
        `${r.area
          .map((v) => v.toFixed(0))
          .join('×')
          .padEnd(13)}  ${overlaps(r.boxes)} of ${r.boxes.length}`,
    );
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, `${name}-${r.engine.split(' ')[0]}.svg`), r.svg);
    }
  }
}
