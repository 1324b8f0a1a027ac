/**
 * JSON for names that are bytes (sys/lossless-text.ts). A string field whose bytes are valid UTF-8 is
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
