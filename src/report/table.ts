/**
 * Tables in the util-linux ls* style: UPPERCASE headings, columns declared once (name, alignment, JSON
 * type, help), `-o LIST` / `-o +LIST` to choose, `-r` raw (one space between cells), `-n` no headings.
 * Every cell is escaped (cell-text.ts) and measured in display columns.
 *
 * On a terminal (and never with -u, never into a pipe) a table wider than the terminal gives way in an
 * order that keeps the answer: first the `early` columns — command lines and lists (CMDLINE, PEERS),
 * whose cells say how many items they left out ("961,postgres,3 +35 more") — down to KEEP columns; then
 * the `late` ones (NAME), down to KEEP columns or their widest cell; then the early ones again, down to
 * their heading; widest first within each step. NAME is never cut below KEEP: a table that still does not
 * fit wraps, as lsfd's does.
 *
 * Scale: a table is rendered in two passes over its rows — widths, then lines — and handed out in chunks
 * of lines, so a million rows cost neither a million-argument call nor one giant string.
 */
import { InvalidArgumentError } from '../errors.js';
import { displayWidth, escapeCell, truncateCell, truncateList } from './cell-text.js';

export type Cell = string | number | boolean | null;

export interface Column<R> {
  /** What the column shows, for --list-columns and --help. */
  help: string;
  align?: 'left' | 'right';
  json: 'string' | 'number' | 'boolean';
  /** On a terminal, the column gives way to fit its width (unless -u): 'early' before any 'late' one. */
  truncate?: 'early' | 'late';
  /** A list (PEERS, HELDBY): `get` joins these items with `separator`. Cut, it keeps whole items and
   * counts the others. */
  list?: { separator: string; items(row: R): readonly string[] | null };
  get(row: R): Cell;
}

/** A column of items joined by `separator` (see Column.list), which gives way early on a terminal. */
export function listColumn<R>(separator: string, items: (row: R) => readonly string[] | null) {
  return {
    json: 'string',
    truncate: 'early',
    list: { separator, items },
    get: (row: R): Cell => items(row)?.join(separator) ?? null,
  } as const satisfies Partial<Column<R>>;
}

export type Columns<R> = Record<string, Column<R>>;

export interface TableOptions {
  raw?: boolean;
  noHeadings?: boolean;
  /** The terminal's width, to fit by cutting the `truncate` columns; undefined: never cut (-u, a pipe). */
  fitWidth?: number;
}

/** Lines per chunk handed to the writer: about 100 KB. */
const CHUNK_LINES = 1000;

/** Columns a cut column keeps while any other can still give way: room for a path's last components, an
 * address with its port and state, or a list's first item and its count. */
export const KEEP = 24;

/** Who gives way, in turn, and how far: see the header. */
const GIVE_WAY: readonly { truncate: 'early' | 'late'; floor: (heading: number) => number }[] = [
  { truncate: 'early', floor: (heading) => Math.max(heading, KEEP) },
  { truncate: 'late', floor: (heading) => Math.max(heading, KEEP) },
  { truncate: 'early', floor: (heading) => Math.max(heading, 5) },
];

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
  let line: (values: readonly string[], row?: R) => string;
  if (raw) {
    line = (values) => values.join(' ');
  } else {
    const widths = columnWidths(rows, specs, names, cellsOf, options);
    const last = names.length - 1;
    /** The cell cut to `width`: a list at an item, with the count of the others; other text with "…". */
    const cut = (i: number, value: string, width: number, row: R | undefined): string => {
      const list = specs[i]?.list;
      const items = list && row !== undefined ? list.items(row) : null;
      if (list && items)
        return truncateList(
          items.map((item) => escapeCell(item)),
          list.separator,
          width,
        );
      return truncateCell(value, width);
    };
    line = (values, row) => {
      let out = '';
      for (let i = 0; i <= last; i++) {
        const width = widths[i] as number;
        let v = values[i] as string;
        let w = displayWidth(v);
        if (w > width) {
          v = cut(i, v, width, row);
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
    chunk.push(line(cellsOf(row), row));
    if (chunk.length >= CHUNK_LINES) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

/** Each column's width: its widest cell (and heading); on a terminal, narrowed to fit `fitWidth`. */
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
    let excess = widths.reduce((sum, w) => sum + w, 0) + widths.length - 1 - options.fitWidth;
    for (const { truncate, floor } of GIVE_WAY) {
      if (excess <= 0) break;
      const members = specs.flatMap((spec, i) => (spec.truncate === truncate ? [i] : []));
      excess = narrow(widths, members, (i) => floor((names[i] as string).length), excess);
    }
  }
  return widths;
}

/**
 * Narrows the `members` columns, widest first (to one common width, each no lower than its floor), by
 * `excess` columns in all where they can; returns the excess left. Widest first: a list of 36 peers gives
 * way before a command line beside it that fits.
 */
function narrow(widths: number[], members: readonly number[], floor: (i: number) => number, excess: number) {
  const width = (i: number) => widths[i] as number;
  const cutAt = (cap: number) =>
    members.reduce((sum, i) => sum + Math.max(0, width(i) - Math.max(cap, floor(i))), 0);
  // The widest common width that removes the whole excess (0 when not even the floors do).
  let cap = 0;
  let high = members.reduce((w, i) => Math.max(w, width(i)), 0);
  while (cap < high) {
    const mid = Math.ceil((cap + high) / 2);
    if (cutAt(mid) >= excess) cap = mid;
    else high = mid - 1;
  }
  let spare = cutAt(cap) - excess; // cut beyond the need, handed back one column to each at the cap
  let left = excess;
  for (const i of members) {
    let target = Math.max(cap, floor(i));
    if (width(i) <= target) continue;
    if (spare > 0 && target === cap) {
      target++;
      spare--;
    }
    left -= width(i) - target;
    widths[i] = target;
  }
  return left;
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

/** --list-columns --json: [{"name": "PID", "type": "number", "help": "…"}, …], one column a line. */
export function renderColumnJson<R>(columns: Columns<R>): string {
  const list = Object.entries(columns).map(([name, c]) =>
    JSON.stringify({ name, type: c.json, help: c.help }),
  );
  return `[\n${list.join(',\n')}\n]\n`;
}
