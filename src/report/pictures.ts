/**
 * The picture of each report kind: its sharing graph (for DOT and SVG), and its HTML page — the graph's
 * SVG, the summary and the table, as one file. The graph is built once and shared by every format.
 */
import type { FdsReport, Holder } from '../inspect/fds-report.js';
import type { TasksReport } from '../inspect/tasks-report.js';
import { fdsGraph, type GraphOptions, numbersIn, type SharingGraph } from './graph.js';
import { tasksGraph } from './graph-tasks.js';
import { htmlTable, renderHtml, statsLine } from './html.js';
import { renderSvg } from './svg.js';
import type { Columns } from './table.js';
import { TASK_COLUMNS, TASK_DEFAULT_COLUMNS, taskRows } from './tasks-table.js';

/** One row per holder, as `kcmp fds` lists them. */
interface HolderRow {
  desc: string;
  type: string;
  name: string;
  certain: boolean;
  holder: Holder;
}

const HOLDER_COLUMNS = {
  DESC: { help: 'description id', json: 'string', get: (r) => (r.certain ? r.desc : `${r.desc}?`) },
  PID: { help: 'process id', align: 'right', json: 'number', get: (r) => r.holder.pid },
  COMMAND: { help: 'command', json: 'string', get: (r) => r.holder.command },
  FD: { help: 'fd number', align: 'right', json: 'number', get: (r) => r.holder.fd },
  TYPE: { help: 'file type', json: 'string', get: (r) => r.type },
  NAME: { help: 'link target', json: 'string', get: (r) => r.name },
} satisfies Columns<HolderRow>;

export interface Picture {
  graph: SharingGraph;
  /** The self-contained HTML page, titled e.g. "kcmp fds --tree 1234". */
  html(title: string): Promise<string>;
}

export function fdsPicture(report: FdsReport, options: GraphOptions = {}): Picture {
  const graph = fdsGraph(report, options);
  return { graph, html: (title) => fdsHtml(report, graph, title) };
}

export function tasksPicture(report: TasksReport, options: GraphOptions = {}): Picture {
  const graph = tasksGraph(report, options);
  return { graph, html: (title) => tasksHtml(report, graph, title) };
}

async function fdsHtml(report: FdsReport, graph: SharingGraph, title: string): Promise<string> {
  const rows = report.descriptions.flatMap((d) =>
    d.holders.map((holder) => ({ desc: d.id, type: d.type, name: d.name, certain: d.certain, holder })),
  );
  return renderHtml({
    title,
    graph,
    svg: await renderSvg(graph),
    summary: statsLine(report.stats),
    table: htmlTable(
      'Open file descriptions and their holders',
      rows,
      HOLDER_COLUMNS,
      Object.keys(HOLDER_COLUMNS),
      (r) => [r.desc, String(r.holder.pid), ...numbersIn(r.name)],
    ),
    errors: report.errors.map(
      (e) => `${e.pid}${e.fd === null ? '' : `:${e.fd}`} ${e.syscall}: ${e.errno} ${e.message}`,
    ),
  });
}

async function tasksHtml(report: TasksReport, graph: SharingGraph, title: string): Promise<string> {
  return renderHtml({
    title,
    graph,
    svg: await renderSvg(graph),
    summary: statsLine(report.stats),
    table: htmlTable(
      'Tasks and the resources they share',
      taskRows(report),
      TASK_COLUMNS,
      TASK_DEFAULT_COLUMNS,
      (r) => [
        String(r.pid),
        String(r.tid),
        ...Object.values(r.groups).filter((g): g is string => g !== undefined),
      ],
    ),
    errors: report.errors.map((e) => `${e.pid ?? '-'}${e.tid === null ? '' : `/${e.tid}`} ${e.message}`),
  });
}
