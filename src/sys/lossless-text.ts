/**
 * Bytes from the kernel (link targets, comm, cmdline) as JavaScript strings without losing a byte.
 *
 * Linux names are bytes, not text: a file may be named "\xff", and a task's comm is whatever it set with
 * prctl(PR_SET_NAME). Valid UTF-8 decodes as usual; each byte that is not part of a valid UTF-8 sequence
 * becomes the lone surrogate U+DC80 + byte (Python's "surrogateescape"), which no valid UTF-8 can produce.
 * So `textBytes(decodeLossless(b))` is `b` again, tables can print such a byte as `\xHH`, and JSON can
 * carry the exact bytes beside a readable form (report/json-text.ts).
 */

const strict = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, invalid UTF-8 bytes as U+DC80 + byte. */
export function decodeLossless(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return decodeEscaping(bytes);
  }
}

/**
 * Does `text` (a name from a report: a path, a comm, a cmdline) carry bytes that were not valid UTF-8?
 * Such bytes are kept as lone surrogates U+DC80..U+DCFF, one per byte, so nothing of the name is lost.
 *
 * @example
 * const report = await inspectFds({ selection: { kind: 'tree', root: process.pid } });
 * const d = report.descriptions[0];
 * if (d && hasEscapedBytes(d.name)) console.log('not UTF-8:', Buffer.from(textBytes(d.name)));
 */
export function hasEscapedBytes(text: string): boolean {
  return ESCAPED_BYTE.test(text);
}

/** In Unicode mode a surrogate pair is one code point, so this matches only LONE U+DC80..U+DCFF. */
const ESCAPED_BYTE = /[\udc80-\udcff]/u;

/**
 * The original bytes of a name from a report (see hasEscapedBytes): what the kernel holds, e.g. to open
 * the same path again.
 *
 * @example
 * import { openSync } from 'node:fs';
 * const report = await inspectFds({ selection: { kind: 'tree', root: process.pid } });
 * for (const d of report.descriptions) if (d.type === 'REG') openSync(Buffer.from(textBytes(d.name)), 'r');
 */
export function textBytes(text: string): Uint8Array {
  if (!hasEscapedBytes(text)) return new TextEncoder().encode(text);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) bytes.push(code - 0xdc00);
    else for (const b of encoder.encode(ch)) bytes.push(b);
  }
  return Uint8Array.from(bytes);
}

/** The slow path: a hand-written UTF-8 decoder (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
function decodeEscaping(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      text += String.fromCharCode(0xdc00 + (bytes[i] as number));
      i += 1;
    } else {
      text += strict.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

/** The length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  let length: number;
  let low = 0x80; // the allowed range of the second byte excludes overlongs, surrogates and > U+10FFFF
  let high = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) low = 0xa0;
    if (b0 === 0xed) high = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) low = 0x90;
    if (b0 === 0xf4) high = 0x8f;
  } else return 0;
  if (i + length > bytes.length) return 0;
  const b1 = bytes[i + 1] as number;
  if (b1 < low || b1 > high) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k] as number;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}
