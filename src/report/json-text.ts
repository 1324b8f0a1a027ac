/**
 * The JSON every `-J/--json` prints, and JSON for names that are bytes (sys/lossless-text.ts).
 *
 * One convention for every report: compact, with each element of a top-level array (processes,
 * descriptions, tasks, leaks, errors, …) on a line of its own — greppable and diffable, and a
 * million-element report is neither inflated by indentation nor ever one string (it is handed out in
 * chunks). `--pretty` indents it by two spaces instead, for reading.
 *
 * Names that are bytes (sys/lossless-text.ts). A string field whose bytes are valid UTF-8 is
 * printed as it is. When they are not, `FIELD` holds the text with U+FFFD for each invalid byte (readable,
 * valid JSON), and `FIELDBytes` beside it the exact bytes, base64: `{"name": "/tmp/x\ufffd",
 * "nameBytes": "L3RtcC94/w=="}`. Additive to every schema: a reader that knows nothing of `*Bytes` still
 * gets well-formed text.
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

/** A JSON.stringify replacer: each object whose string fields carry invalid bytes gets `*Bytes` fields. */
function lossless(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return hasEscapedBytes(value) ? readable(value) : value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const fields = Object.entries(value);
  if (!fields.some(([, v]) => typeof v === 'string' && hasEscapedBytes(v))) return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of fields) {
    copy[k] = v;
    if (typeof v === 'string' && hasEscapedBytes(v)) copy[`${k}Bytes`] = base64(v);
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

/** Elements per chunk. */
const CHUNK = 1000;

/**
 * A report as `-J` prints it (see the header), in chunks; `pretty`: indented, as one string.
 *
 * @example
 * for (const chunk of renderJson(report, false)) process.stdout.write(chunk);
 */
export function* renderJson(report: object, pretty: boolean): Generator<string> {
  if (pretty) {
    yield `${stringifyLossless(report, 2)}\n`;
    return;
  }
  const entries = Object.entries(report);
  for (const [i, [key, value]] of entries.entries()) {
    yield `${i === 0 ? '{' : ',\n'}${JSON.stringify(key)}:`;
    if (Array.isArray(value) && value.length > 0 && isObject(value[0])) yield* lines(value);
    else yield stringifyLossless(value);
  }
  yield '}\n';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One JSON array, an element per line. Each chunk of elements is stringified whole (one native call, not
 * one per element) and split where an element begins: at `},{"KEY":` for the first key of the first
 * element — which cannot occur inside a string (its quotes would be escaped) nor between nested objects
 * that lack that key. An element that begins with another key merely stays on its neighbour's line.
 */
function* lines(items: readonly unknown[]): Generator<string> {
  const firstKey = Object.keys(items[0] as object)[0] ?? '';
  for (let start = 0; start < items.length; start += CHUNK) {
    const json = stringifyLossless(items.slice(start, start + CHUNK));
    const body = json.slice(1, -1).replaceAll(`},{"${firstKey}":`, `},\n{"${firstKey}":`);
    yield `${start === 0 ? '[\n' : ',\n'}${body}`;
  }
  yield '\n]';
}
