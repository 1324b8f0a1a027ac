/**
 * Tables in the util-linux ls* style: UPPERCASE headings, columns declared once (name, alignment, JSON
 * type, help), `-o LIST` / `-o +LIST` to choose, `-r` raw (one space between cells, unsafe bytes escaped
 * as \xHH), `-n` no headings.
 */
import { InvalidArgumentError } from '../errors.js';

export type Cell = string | number | boolean | null;

export interface Column<R> {
  /** What the column shows, for --list-columns and --help. */
  help: string;
  align?: 'left' | 'right';
  json: 'string' | 'number' | 'boolean';
  get(row: R): Cell;
}

export type Columns<R> = Record<string, Column<R>>;

export interface TableOptions {
  raw?: boolean;
  noHeadings?: boolean;
}

/** Parses -o: "PID,FD" replaces the defaults, "+POS,FLAGS" appends to them. Names are case-insensitive. */
export function selectColumns<R>(columns: Columns<R>, defaults: readonly string[], spec?: string): string[] {
  if (spec === undefined || spec === '') return [...defaults];
  const append = spec.startsWith('+');
  const names = (append ? spec.slice(1) : spec)
    .split(',')
    .map((n) => n.trim().toUpperCase())
    .filter((n) => n !== '');
  for (const name of names) {
    if (!(name in columns)) {
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

function rawEscape(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return value.replace(/[\s\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderTable<R>(
  rows: readonly R[],
  columns: Columns<R>,
  names: readonly string[],
  options: TableOptions = {},
): string {
  const specs = names.map((n) => columns[n] as Column<R>);
  const cells = rows.map((row) => specs.map((spec) => text(spec.get(row))));
  if (options.raw) {
    const lines = cells.map((r) => r.map((c) => (c === '' ? '' : rawEscape(c))).join(' '));
    if (!options.noHeadings) lines.unshift(names.join(' '));
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
  const widths = names.map((n, i) =>
    Math.max(options.noHeadings ? 0 : n.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        if (specs[i]?.align === 'right') return v.padStart(widths[i] ?? 0);
        return last ? v : v.padEnd(widths[i] ?? 0);
      })
      .join(' ')
      .trimEnd();
  const lines = cells.map(line);
  if (!options.noHeadings) lines.unshift(line(names));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** --list-columns: NAME, type and help, one per line. */
export function renderColumnList<R>(columns: Columns<R>): string {
  const names = Object.keys(columns);
  const width = Math.max(...names.map((n) => n.length));
  return names
    .map((n) => `${n.padEnd(width)}  <${columns[n]?.json}>  ${columns[n]?.help}`)
    .join('\n')
    .concat('\n');
}
