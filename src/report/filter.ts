/**
 * A parsed -Q/-C expression (filter-parse.ts) turned into a predicate over table rows, reading cells
 * through the columns' getters, so a filter can use any column whether it is shown or not.
 *
 * Values compare as lsfd's do: numbers numerically (a numeric string against a number too), booleans
 * against true/false, everything else as strings; `=~`/`!~` match a regular expression (compiled once;
 * a bad one is an error at its token). An empty cell (null) equals nothing and is ordered before
 * nothing: `==`, `<`, … are false for it and `!=` is true. A bare value is true when it is true, a
 * non-zero number or a non-empty string.
 */
import {
  type CompareOp,
  type FilterNode,
  FilterSyntaxError,
  type Operand,
  parseFilter,
} from './filter-parse.js';
import type { Cell, Columns } from './table.js';

export interface RowFilter<R> {
  test(row: R): boolean;
  /** The columns the expression reads: their sources must be read even when they are not shown. */
  columns: string[];
}

export function compileFilter<R>(text: string, columns: Columns<R>): RowFilter<R> {
  const byUpper = new Map(Object.keys(columns).map((n) => [n.toUpperCase(), n]));
  const used = new Set<string>();
  const tree = parseFilter(text, (word) => {
    const name = byUpper.get(word.toUpperCase());
    if (name !== undefined) used.add(name);
    return name;
  });
  const value = (operand: Operand): ((row: R) => Cell) => {
    if (operand.kind === 'literal') return () => operand.value;
    const column = columns[operand.name];
    return (row) => column?.get(row) ?? null;
  };
  const compile = (node: FilterNode): ((row: R) => boolean) => {
    switch (node.kind) {
      case 'or': {
        const [l, r] = [compile(node.left), compile(node.right)];
        return (row) => l(row) || r(row);
      }
      case 'and': {
        const [l, r] = [compile(node.left), compile(node.right)];
        return (row) => l(row) && r(row);
      }
      case 'not': {
        const inner = compile(node.operand);
        return (row) => !inner(row);
      }
      case 'value': {
        const get = value(node.operand);
        return (row) => truthy(get(row));
      }
      case 'compare': {
        const [left, right] = [value(node.left), value(node.right)];
        if (node.op === '=~' || node.op === '!~') {
          const pattern = regex(node.right, text);
          const negate = node.op === '!~';
          return (row) => {
            const cell = left(row);
            return cell !== null && pattern(right(row)).test(String(cell)) !== negate;
          };
        }
        const op = node.op;
        return (row) => compare(op, left(row), right(row));
      }
    }
  };
  return { test: compile(tree), columns: [...used] };
}

function truthy(v: Cell): boolean {
  return v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v !== '');
}

/** The regular expression of the right operand: compiled once when it is a literal. */
function regex(right: Operand, text: string): (v: Cell) => RegExp {
  const make = (source: string, at: number) => {
    try {
      return new RegExp(source);
    } catch (error) {
      throw new FilterSyntaxError(`invalid regular expression (${(error as Error).message})`, text, at);
    }
  };
  if (right.kind === 'literal') {
    const fixed = make(String(right.value), right.at);
    return () => fixed;
  }
  return (v) => make(String(v ?? ''), right.at);
}

function asNumber(v: Cell): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

function compare(op: CompareOp, a: Cell, b: Cell): boolean {
  if (a === null || b === null) return op === '!=' ? a !== b : false;
  let order: number;
  const [x, y] = [asNumber(a), asNumber(b)];
  if ((typeof a === 'number' || typeof b === 'number') && x !== undefined && y !== undefined) order = x - y;
  else {
    const [s, t] = [String(a), String(b)];
    order = s < t ? -1 : s > t ? 1 : 0;
  }
  switch (op) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}
