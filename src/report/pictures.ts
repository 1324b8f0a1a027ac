/**
 * The picture of each report kind: its sharing graph (for DOT and SVG), and its HTML page — the graph's
 * SVG, the summary and the table, as one file. The graph is built once and shared by every format.
 */
import type { FdsReport } from '../inspect/fds/fds-report.js';
import { fdCount } from '../inspect/fds/table-entries.js';
import type { TasksReport } from '../inspect/tasks/tasks-report.js';
import {
  FDS_COLUMNS,
  FDS_DEFAULT_COLUMNS,
  fdsRows,
  fdsSummary,
  needsFdinfo,
  withTellingColumns,
} from './fds-table.js';
import type { GraphOptions, SharingGraph } from './graph.js';
import { numbersIn } from './graph.js';
import { fdsGraph } from './graph-fds.js';
import { tasksGraph } from './graph-tasks.js';
import { htmlTable, renderHtml, statsLine } from './html.js';
import { renderSvg } from './svg.js';
import { TASK_COLUMNS, TASK_DEFAULT_COLUMNS, taskRows } from './tasks-table.js';

/** A report's picture: its sharing graph (for DOT and SVG) and its self-contained HTML page. */
export interface Picture {
  /** The graph, built once; pass it to {@link renderDot} or {@link renderSvg}. */
  graph: SharingGraph;
  /** The self-contained HTML page, titled e.g. "kcmp fds --tree 1234". */
  html(title: string): Promise<string>;
}

/**
 * The picture of a kcmp.fds/2 report: {@link fdsGraph}, and an HTML page with its SVG, the summary and
 * the table `kcmp fds` prints.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const picture = fdsPicture(await inspectFds({ selection: { kind: 'tree', root: process.pid } }));
 * writeFileSync('fds.html', await picture.html('my shell tree'));
 */
export function fdsPicture(report: FdsReport, options: GraphOptions = {}): Picture {
  const graph = fdsGraph(report, options);
  // The table lists what `kcmp fds` would: shared descriptions (held by more than one fd, an fd of a
  // shared table once), or with --all every one.
  const listed =
    options.unshared === 'show'
      ? report
      : { ...report, descriptions: report.descriptions.filter((d) => fdCount(d) > 1) };
  return { graph, html: (title) => fdsHtml(listed, graph, title) };
}

/**
 * The picture of a kcmp.tasks/1 report: {@link tasksGraph}, and an HTML page with its SVG, the summary,
 * the table `kcmp tasks` prints and the error rows.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const picture = tasksPicture(await inspectTasks({ selection: { kind: 'pids', pids: [1234] } }));
 * writeFileSync('tasks.html', await picture.html('threads of 1234'));
 */
export function tasksPicture(report: TasksReport, options: GraphOptions = {}): Picture {
  const graph = tasksGraph(report, options);
  return { graph, html: (title) => tasksHtml(report, graph, title) };
}

async function fdsHtml(report: FdsReport, graph: SharingGraph, title: string): Promise<string> {
  // The table as `kcmp fds` prints it by default, less the fdinfo columns when fdinfo was not read.
  const read = report.descriptions.some((d) => d.holders.some((h) => h.flags !== undefined));
  const columns = withTellingColumns(
    FDS_DEFAULT_COLUMNS.filter((n) => read || !needsFdinfo([n])),
    report,
  );
  return renderHtml({
    title,
    graph,
    // The page prints the title and notes above the picture: the SVG does not repeat them.
    svg: await renderSvg(graph, { caption: false }),
    searchHint: 'search a pid, path, port or description (d3)',
    objectNoun: 'shared description',
    matrixCorner: 'processes ╲ shared descriptions',
    summary: fdsSummary(report.stats),
    table: htmlTable(
      'Open file descriptions and their holders',
      fdsRows(report),
      FDS_COLUMNS,
      columns,
      (r) =>
        r.error
          ? [String(r.error.pid)]
          : [r.description.id, String(r.holder.pid), ...numbersIn(r.description.name)],
    ),
    errors: [],
  });
}

async function tasksHtml(report: TasksReport, graph: SharingGraph, title: string): Promise<string> {
  return renderHtml({
    title,
    graph,
    svg: await renderSvg(graph, { caption: false }),
    searchHint: 'search a pid, tid or resource (vm:1)',
    objectNoun: 'shared resource',
    matrixCorner: 'tasks ╲ shared resources',
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
