/**
 * `--format table|json|dot|svg|html` for the scans that can draw (`kcmp fds`, `kcmp tasks`). `-J/--json`
 * is `--format json`. A subcommand adds the option with `formatOption()`, resolves it once with
 * `resolveFormat()`, and hands a picture to `writePicture()`, which prints DOT, SVG or HTML and says on
 * stderr what a capped picture left out; for table and json it returns false and the subcommand prints
 * its own output as before.
 */
import { Option } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { readProcessDetailsOf } from '../procfs/process-details.js';
import type { Picture } from '../report/pictures.js';
import { out, warn } from './run.js';

type PicturesModule = typeof import('../report/pictures.js');

export const FORMATS = ['table', 'json', 'dot', 'svg', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export function formatOption(): Option {
  return new Option(
    '--format <format>',
    'output: table, json (= -J), dot (Graphviz), svg (a picture), html (one offline page: picture, search, table)',
  ).choices(FORMATS);
}

/** The format asked for: --format, or -J; both is fine only when they agree. */
export function resolveFormat(flags: { format?: string; json?: boolean }): Format {
  const format = (flags.format ?? (flags.json ? 'json' : 'table')) as Format;
  if (flags.json && format !== 'json') {
    throw new InvalidArgumentError(`-J asks for JSON but --format asks for ${format}: choose one`);
  }
  return format;
}

export function isPicture(format: Format): format is 'dot' | 'svg' | 'html' {
  return format === 'dot' || format === 'svg' || format === 'html';
}

/** Prints the picture in a picture format and returns true; returns false for table and json. */
export async function writePicture(
  format: Format,
  picture: (pictures: PicturesModule) => Picture,
): Promise<boolean> {
  if (!isPicture(format)) return false;
  // The renderers load only when a picture is asked for: a table or JSON run need not pay for them.
  const [pictures, { renderDot }, { renderSvg }] = await Promise.all([
    import('../report/pictures.js'),
    import('../report/dot.js'),
    import('../report/svg.js'),
  ]);
  const { graph, html } = picture(pictures);
  for (const note of graph.notes) warn(`picture: ${note}`);
  if (format === 'dot') out(renderDot(graph));
  else if (format === 'svg') out(await renderSvg(graph));
  else out(await html(commandLine()));
  return true;
}

/** What the user ran, for the HTML page's title: "kcmp fds --tree 1234 --format html". */
function commandLine(): string {
  return ['kcmp', ...process.argv.slice(2)].join(' ');
}

/** The command line of each process (read now, after the scan), for the titles pictures name processes by:
 * "nginx: worker process", not "nginx" (graph-names.ts). null for a process gone meanwhile. */
export function cmdlinesOf(pids: Iterable<number>): Map<number, string | null> {
  return new Map([...readProcessDetailsOf(pids)].map(([pid, d]) => [pid, d.cmdline]));
}
