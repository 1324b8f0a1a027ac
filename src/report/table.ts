/**
 * Tables in the util-linux ls* style: UPPERCASE headings, columns declared once (name, alignment, JSON
 * type, help), `-o LIST` / `-o +LIST` to choose, `-r` raw (one space between cells), `-n` no headings.
 * Every cell is escaped (cell-text.ts) and measured in display columns; on a terminal the columns marked
 * `truncate` (NAME, CMDLINE, as lsfd) are cut to fit its width.
 *
 * Scale: a table is rendered in two passes over its rows — widths, then lines — and handed out in chunks
 * of lines, so a million rows cost neither a million-argument call nor one giant string.
 */
import { InvalidArgumentError } from '../errors.js';
import { displayWidth, escapeCell, truncateCell } from './cell-text.js';

export type Cell = string | number | boolean | null;

export interface Column<R> {
  /** What the column shows, for --list-columns and --help. */
  help: string;
  align?: 'left' | 'right';
  json: 'string' | 'number' | 'boolean';
  /** On a terminal, cut this column to make the table fit its width (unless -u). */
  truncate?: true;
  get(row: R): Cell;
}

export type Columns<R> = Record<string, Column<R>>;

export interface TableOptions {
  raw?: boolean;
  noHeadings?: boolean;
  /** The terminal's width, to fit by cutting the `truncate` columns; undefined: never cut. */
  fitWidth?: number;
}

/** Lines per chunk handed to the writer: about 100 KB. */
const CHUNK_LINES = 1000;

/** Parses -o: "PID,FD" replaces the defaults, "+POS,FLAGS" appends to them. Names are case-insensitive. */
export function selectColumns<R>(columns: Columns<R>, defaults: readonly string[], spec?: string): string[] {
  if (spec === undefined) return [...defaults];
  const append = spec.startsWith('+');
  const names = (append ? spec.slice(1) : spec)
    .split(',')
    .map((n) => n.trim().toUpperCase())
    .filter((n) => n !== '');
  if (names.length === 0) {
    throw new InvalidArgumentError(
      `-o ${JSON.stringify(spec)} names no column: list some, e.g. -o ${defaults.slice(0, 2).join(',')}`,
    );
  }
  for (const name of names) {
    if (!Object.hasOwn(columns, name)) {
      throw new InvalidArgumentError(
        `unknown column ${JSON.stringify(name)}: choose from ${Object.keys(columns).join(', ')}`,
      );
    }
  }
  return append ? [...defaults, ...names.filter((n) => !defaults.includes(n))] : names;
}

function text(cell: Cell): string {
  return cell === null ? '' : String(cell);
}

/** The table, as chunks of whole lines (each ending in a newline); nothing for no rows and no headings. */
export function* renderTable<R>(
  rows: readonly R[],
  columns: Columns<R>,
  names: readonly string[],
  options: TableOptions = {},
): Generator<string> {
  const specs = names.map((n) => columns[n] as Column<R>);
  const raw = options.raw === true;
  const cellsOf = (row: R): string[] => specs.map((spec) => escapeCell(text(spec.get(row)), raw));
  let line: (values: readonly string[]) => string;
  if (raw) {
    line = (values) => values.join(' ');
  } else {
    const widths = columnWidths(rows, specs, names, cellsOf, options);
    const last = names.length - 1;
    line = (values) => {
      let out = '';
      for (let i = 0; i <= last; i++) {
        const width = widths[i] as number;
        let v = values[i] as string;
        let w = displayWidth(v);
        if (w > width) {
          v = truncateCell(v, width);
          w = displayWidth(v);
        }
        const pad = ' '.repeat(width - w);
        if (i > 0) out += ' ';
        out += specs[i]?.align === 'right' ? pad + v : i === last ? v : v + pad;
      }
      return out.trimEnd();
    };
  }
  let chunk: string[] = [];
  if (!options.noHeadings) chunk.push(line(names));
  for (const row of rows) {
    chunk.push(line(cellsOf(row)));
    if (chunk.length >= CHUNK_LINES) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

/** Each column's width: its widest cell (and heading); on a terminal, cut to fit `fitWidth`. */
function columnWidths<R>(
  rows: readonly R[],
  specs: readonly Column<R>[],
  names: readonly string[],
  cellsOf: (row: R) => string[],
  options: TableOptions,
): number[] {
  const widths = names.map((n) => (options.noHeadings ? 0 : n.length));
  for (const row of rows) {
    const cells = cellsOf(row);
    for (let i = 0; i < cells.length; i++) {
      const w = displayWidth(cells[i] as string);
      if (w > (widths[i] as number)) widths[i] = w;
    }
  }
  if (options.fitWidth !== undefined) {
    // Narrow the truncatable columns, last first, until a line fits; never below the heading's width
    // (at least 5 columns), so a table that cannot fit still names every column.
    let excess = widths.reduce((sum, w) => sum + w, 0) + widths.length - 1 - options.fitWidth;
    for (let i = widths.length - 1; i >= 0 && excess > 0; i--) {
      if (!specs[i]?.truncate) continue;
      const floor = Math.max((names[i] as string).length, 5);
      const cut = Math.min(excess, Math.max(0, (widths[i] as number) - floor));
      widths[i] = (widths[i] as number) - cut;
      excess -= cut;
    }
  }
  return widths;
}

/** --list-columns: NAME, type and help, one per line. */
export function renderColumnList<R>(columns: Columns<R>): string {
  const names = Object.keys(columns);
  const width = names.reduce((w, n) => Math.max(w, n.length), 0);
  return names
    .map((n) => `${n.padEnd(width)}  <${columns[n]?.json}>  ${columns[n]?.help}`)
    .join('\n')
    .concat('\n');
}
