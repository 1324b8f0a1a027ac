/**
 * The JSON every `-J/--json` prints, and JSON for names that are bytes (sys/lossless-text.ts).
 *
 * One convention for every report: compact, with each element of a top-level array (processes,
 * descriptions, tasks, leaks, errors, …) on a line of its own — greppable and diffable, and a
 * million-element report is neither inflated by indentation nor ever one string (renderJson writes it
 * as it is produced). `--pretty` indents it by two spaces instead, for reading.
 *
 * Names that are bytes (sys/lossless-text.ts). A string field whose bytes are valid UTF-8 is
 * printed as it is. When they are not, `FIELD` holds the text with U+FFFD for each invalid byte (readable,
 * valid JSON), and for the fields that name things (BYTES_FIELDS) `FIELDBytes` beside it has the exact
 * bytes, base64: `{"name": "/tmp/x\ufffd", "nameBytes": "L3RtcC94/w=="}`. Additive to every schema (the
 * report types declare each `*Bytes`): a reader that knows nothing of them still gets well-formed text.
 * Messages are prose: U+FFFD only.
 */
import { hasEscapedBytes, textBytes } from '../sys/lossless-text.js';

/** Lone surrogates only: in Unicode mode a valid pair is one code point. */
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

/** How JSON.stringify writes a lone surrogate (a pair it writes as the character itself). */
const ESCAPED_SURROGATE = /\\ud[89a-f]/;

function readable(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

function base64(text: string): string {
  return Buffer.from(textBytes(text)).toString('base64');
}

/** The fields whose bytes are kept: names of files, comms, command lines. */
const BYTES_FIELDS = new Set(['name', 'command', 'cmdline', 'current']);

const lossy = (key: string, value: unknown): value is string =>
  BYTES_FIELDS.has(key) && typeof value === 'string' && hasEscapedBytes(value);

/** A JSON.stringify replacer: each object whose string fields carry invalid bytes gets `*Bytes` fields. */
function lossless(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return hasEscapedBytes(value) ? readable(value) : value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const fields = Object.entries(value);
  if (!fields.some(([k, v]) => lossy(k, v))) return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of fields) {
    copy[k] = v;
    if (lossy(k, v)) copy[`${k}Bytes`] = base64(v);
  }
  return copy;
}

/**
 * JSON.stringify, with the `*Bytes` fields where needed. The plain call runs first: it writes a lone
 * surrogate as `\udXXX`, so output without one had none, and only the rare report that has one pays
 * for the replacer.
 */
export function stringifyLossless(value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent);
  return ESCAPED_SURROGATE.test(json) ? JSON.stringify(value, lossless, indent) : json;
}

/**
 * Characters a chunk reaches before it is handed out (it ends with the element that reaches them, so
 * it is seldom twice as long): enough that a write is not a syscall per element, few enough that a
 * chunk stays a young object: V8 allocates a string over 128 KiB (64 Ki characters of UTF-16) in its
 * large-object space, which only a full collection frees.
 */
const CHUNK = 16 * 1024;

/**
 * A report as `-J` prints it (see the header), in chunks, as it is produced: each element of a
 * top-level array is stringified alone and joined into chunks of about CHUNK characters, so no text of
 * the whole report, nor of a thousand elements, is ever held. The bytes are those of one JSON.stringify
 * of the report, with a line break after each `[` of a top-level array, between its elements and before
 * its `]` (`pretty`: exactly `JSON.stringify(report, null, 2)`): a string never holds a raw line break
 * (JSON escapes it), so each element is one line.
 *
 * @example
 * for (const chunk of renderJson(report, false)) process.stdout.write(chunk);
 */
export function renderJson(report: object, pretty: boolean): Generator<string> {
  return chunked(pieces(report, pretty ? 2 : 0));
}

/** The report's text in pieces: a key, a value, a chunk of a top-level array's elements. */
function* pieces(report: object, indent: 0 | 2): Generator<string> {
  const entries = Object.entries(report).filter(([, value]) => written(value));
  if (entries.length === 0) {
    yield '{}\n';
    return;
  }
  const [next, colon] = indent ? [',\n  ', ': '] : [',\n', ':'];
  for (const [i, [key, value]] of entries.entries()) {
    yield `${i === 0 ? `{${indent ? '\n  ' : ''}` : next}${JSON.stringify(key)}${colon}`;
    if (Array.isArray(value) && value.length > 0 && (indent || isObject(value[0])))
      yield* elements(value, indent);
    else yield nested(stringifyLossless(value, indent), indent);
  }
  yield indent ? '\n}\n' : '}\n';
}

/**
 * A top-level array, an element per line (indented twice with `--pretty`), in chunks of about CHUNK
 * characters. Each element is one plain JSON.stringify (as fast as stringifying them together); a chunk
 * that shows an escaped lone surrogate is stringified again with the `*Bytes` fields (stringifyLossless),
 * so the common report pays one regular-expression scan per chunk for them.
 */
function* elements(items: readonly unknown[], indent: 0 | 2): Generator<string> {
  const line = (item: unknown, json: (item: unknown) => string) => (written(item) ? json(item) : 'null');
  let first = 0;
  let lines: string[] = [];
  let size = 0;
  for (let i = 0; i < items.length; i++) {
    const json = line(items[i], (item) => JSON.stringify(item, null, indent));
    lines.push(json);
    size += json.length;
    if (size < CHUNK && i < items.length - 1) continue;
    let text = lines.join(',\n');
    if (ESCAPED_SURROGATE.test(text))
      text = items
        .slice(first, i + 1)
        .map((item) => line(item, (it) => stringifyLossless(it, indent)))
        .join(',\n');
    // Every line break is one of ours, or JSON.stringify's indentation: all move 2 × indent spaces right.
    yield nested(`${first === 0 ? '[' : ','}\n${text}`, 2 * indent);
    [first, lines, size] = [i + 1, [], 0];
  }
  yield `\n${' '.repeat(indent)}]`;
}

/** Indented text moved `depth` spaces right, as JSON.stringify indents what it nests that deep. */
function nested(json: string, depth: number): string {
  return depth === 0 ? json : json.replaceAll('\n', `\n${' '.repeat(depth)}`);
}

/** Whether JSON.stringify writes this value: it leaves such a field out, and writes such an element as null. */
function written(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Pieces joined into chunks of about CHUNK characters (a piece longer than that is one chunk). */
function* chunked(pieces: Iterable<string>): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    parts.push(piece);
    size += piece.length;
    if (size < CHUNK) continue;
    yield parts.join('');
    parts = [];
    size = 0;
  }
  if (parts.length > 0) yield parts.join('');
}
