/**
 * The -Q/--filter and -C/--counter expression language (lsfd's, from libsmartcols scols-filter(5)), parsed
 * by recursive descent into a tree; nothing the user writes is ever evaluated as code.
 *
 *   expr       := or
 *   or         := and (("or" | "||") and)*
 *   and        := not (("and" | "&&") not)*
 *   not        := ("not" | "!") not | primary
 *   primary    := "(" expr ")" | operand (compare operand)?
 *   compare    := "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~"   (or eq ne lt le gt ge)
 *   operand    := COLUMN | "string" | 'string' | NUMBER | true | false
 *
 * A COLUMN is a name of the table (PID, SOCK.STATE, EPOLL.WATCHERS…), matched case-insensitively; a bare
 * operand is true when its value is true, a non-zero number or a non-empty string. Words are reserved
 * (and, or, not, true, false, eq, …) only where a column name could not be meant. An error names the
 * offending token and its position, in one line.
 */
import { InvalidArgumentError } from '../errors.js';

export type Operand =
  | { kind: 'column'; name: string; at: number }
  | { kind: 'literal'; value: string | number | boolean; at: number };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~';

export type FilterNode =
  | { kind: 'or' | 'and'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand; at: number }
  | { kind: 'value'; operand: Operand };

/** A malformed expression: `at` is the 0-based offset of the offending token, marked with ">>>". */
export class FilterSyntaxError extends InvalidArgumentError {
  constructor(
    readonly reason: string,
    readonly expression: string,
    readonly at: number,
  ) {
    super(
      `invalid expression: ${reason} at character ${at + 1}: ${expression.slice(0, at)}>>>${expression.slice(at)}`,
    );
  }
}
FilterSyntaxError.prototype.name = 'FilterSyntaxError';

type Token =
  | { kind: 'op'; text: string; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'end'; text: string; at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '&&', '||', '<', '>', '!', '(', ')'];
const WORD_OPS: Readonly<Record<string, CompareOp>> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, at: i });
      i += op.length;
    } else if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== ch; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw new FilterSyntaxError('unterminated string', text, i);
      tokens.push({ kind: 'string', text: value, at: i });
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9_.:+-]+/.exec(text.slice(i));
      if (!m) throw new FilterSyntaxError(`unexpected character ${JSON.stringify(ch)}`, text, i);
      const word = m[0];
      if (/^-?\d/.test(word))
        tokens.push({ kind: 'number', value: numberOf(word, text, i), text: word, at: i });
      else tokens.push({ kind: 'word', text: word, at: i });
      i += word.length;
    }
  }
  tokens.push({ kind: 'end', text: 'end of expression', at: text.length });
  return tokens;
}

const NUMBER = /^(-?)(0x[0-9a-fA-F]+|(\d+)(\.\d+)?([eE][+-]?\d+)?)$/;

/**
 * The value of a word that starts like a number (no column name does): decimal, with a fraction or an
 * exponent, or hexadecimal (0x). A number a double cannot hold exactly — beyond ±(2^53 − 1) as an
 * integer, too large for any double (1e999), or too small (1e-999 would become 0) — would make a
 * comparison silently wrong: it is refused, as is a word that is not a number at all.
 */
function numberOf(word: string, text: string, at: number): number {
  const m = NUMBER.exec(word);
  if (!m)
    throw new FilterSyntaxError(
      `invalid number ${JSON.stringify(word)} (quote a string: "${word}")`,
      text,
      at,
    );
  const [, sign, body] = m as unknown as [string, string, string];
  const value = (sign === '-' ? -1 : 1) * Number(body);
  const lost = value === 0 && /[1-9]/.test(body.replace(/[eE].*$/, ''));
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)) || lost) {
    throw new FilterSyntaxError(
      `number ${word} is out of range (numbers are compared exactly up to ±${Number.MAX_SAFE_INTEGER})`,
      text,
      at,
    );
  }
  return value;
}

/** Parses `text`; `isColumn` says which words name columns (and gives their canonical name). */
export function parseFilter(text: string, columnName: (word: string) => string | undefined): FilterNode {
  const tokens = tokenize(text);
  let next = 0;
  const peek = () => tokens[next] as Token;
  const take = () => tokens[next++] as Token;
  const isWord = (t: Token, ...words: string[]) => t.kind === 'word' && words.includes(t.text.toLowerCase());
  const isOp = (t: Token, ...ops: string[]) => t.kind === 'op' && ops.includes(t.text);
  const fail = (t: Token, expected: string): never => {
    const found = t.kind === 'end' ? t.text : JSON.stringify(t.text);
    throw new FilterSyntaxError(`expected ${expected}, found ${found}`, text, t.at);
  };

  const operand = (): Operand => {
    const t = take();
    if (t.kind === 'string') return { kind: 'literal', value: t.text, at: t.at };
    if (t.kind === 'number') return { kind: 'literal', value: t.value, at: t.at };
    if (t.kind === 'word') {
      const name = columnName(t.text);
      if (name !== undefined) return { kind: 'column', name, at: t.at };
      if (isWord(t, 'true', 'false'))
        return { kind: 'literal', value: t.text.toLowerCase() === 'true', at: t.at };
      throw new FilterSyntaxError(`unknown column ${JSON.stringify(t.text)}`, text, t.at);
    }
    return fail(t, 'a column, a string or a number');
  };
  const comparison = (): CompareOp | undefined => {
    const t = peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>=', '=~', '!~'].includes(t.text)) {
      next++;
      return t.text as CompareOp;
    }
    if (
      t.kind === 'word' &&
      Object.hasOwn(WORD_OPS, t.text.toLowerCase()) &&
      columnName(t.text) === undefined
    ) {
      next++;
      return WORD_OPS[t.text.toLowerCase()];
    }
    return undefined;
  };
  const primary = (): FilterNode => {
    if (isOp(peek(), '(')) {
      take();
      const inner = or();
      if (!isOp(peek(), ')')) fail(peek(), '")"');
      take();
      return inner;
    }
    const left = operand();
    const at = peek().at;
    const op = comparison();
    if (op === undefined) return { kind: 'value', operand: left };
    return { kind: 'compare', op, left, right: operand(), at };
  };
  const not = (): FilterNode => {
    const t = peek();
    if (isOp(t, '!') || (isWord(t, 'not') && columnName(t.text) === undefined)) {
      take();
      return { kind: 'not', operand: not() };
    }
    return primary();
  };
  const binary =
    (kind: 'and' | 'or', word: string, op: string, inner: () => FilterNode) => (): FilterNode => {
      let left = inner();
      while (isOp(peek(), op) || (isWord(peek(), word) && columnName(peek().text) === undefined)) {
        take();
        left = { kind, left, right: inner() };
      }
      return left;
    };
  const and = binary('and', 'and', '&&', not);
  const or = binary('or', 'or', '||', and);

  const tree = or();
  if (peek().kind !== 'end') fail(peek(), 'an operator ("and", "or", "==", …)');
  return tree;
}
