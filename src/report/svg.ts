/**
 * SVG for a sharing graph: the DOT text laid out by Graphviz compiled to WebAssembly
 * (@hpcc-js/wasm-graphviz; no native build, no network — the wasm is inside the package). Chosen over
 * elkjs by measurement: see bench/README.md, "Graph layout engines".
 *
 * Loading the engine costs ~50 ms once per process; layout time grows with the graph, which graph.ts caps.
 */
import type { Graphviz } from '@hpcc-js/wasm-graphviz';
import { importModule } from '../util/dynamic-import.js';
import { type DotOptions, renderDot } from './dot.js';
import type { SharingGraph } from './graph.js';

let engine: Promise<Graphviz> | undefined;

/** Lays out DOT text with Graphviz `dot` and returns the SVG document (with its XML prolog). */
export async function layoutDot(dot: string): Promise<string> {
  // Imported on first use: the 800 KB bundle would otherwise load with every subcommand, pictures or not.
  engine ??= importModule<typeof import('@hpcc-js/wasm-graphviz')>('@hpcc-js/wasm-graphviz').then(
    ({ Graphviz }) => Graphviz.load(),
  );
  return (await engine).dot(dot, 'svg');
}

/**
 * The sharing graph as an SVG document, laid out by Graphviz `dot` (WebAssembly; loaded on first use).
 *
 * @example
 * const svg = await renderSvg(tasksGraph(await inspectTasks({ selection: { kind: 'pids', pids: [1234] } })));
 */
export async function renderSvg(graph: SharingGraph, options: DotOptions = {}): Promise<string> {
  return layoutDot(renderDot(graph, options));
}

/** The <svg> element alone, for inlining into HTML: no XML prolog, no DOCTYPE, no comments. */
export function svgElement(svg: string): string {
  const start = svg.indexOf('<svg');
  return start < 0 ? svg : svg.slice(start).replace(/<!--[\s\S]*?-->\n?/g, '');
}
