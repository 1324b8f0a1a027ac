/**
 * What a table cell may put on a terminal, the way util-linux's libsmartcols prints (mbs_safe_encode):
 * every character that could move the cursor, recolour or clear the screen, reorder the text around it, or
 * is not valid UTF-8 is written as `\xHH`, one per byte of its UTF-8 encoding:
 *
 * - C0 controls U+0000..U+001F (newline, carriage return, ESC, …), DEL U+007F, C1 controls U+0080..U+009F;
 * - bidirectional controls: U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069; line and paragraph
 *   separators U+2028, U+2029;
 * - bytes that were not valid UTF-8 (carried as U+DC80 + byte, sys/lossless-text.ts) as the byte itself;
 * - a backslash before "x" as `\x5c`, so that every `\xHH` in the output is an escape and the cell can be
 *   decoded back to its bytes.
 *
 * Raw output (-r) also escapes every backslash and whitespace, so that cells are separated by one space.
 * Widths are display columns (string-width: East Asian Wide characters take two, combining marks none).
 */
import stringWidth from 'string-width';

/** Printable ASCII without the backslash: the common case, left as it is. */
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;
const PLAIN_RAW = /^[\x21-\x5b\x5d-\x7e]*$/;

const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_RAW = /[\s\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\\]|[\ud800-\udfff]/u;

const encoder = new TextEncoder();

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** `\xHH` for each byte of one character: its UTF-8 bytes, the byte it stands for, or a lone surrogate's
 * three bytes (as the kernel would never produce them, but a library caller might pass one). */
function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) as number;
  if (code >= 0xdc80 && code <= 0xdcff) return hex(code - 0xdc00);
  if (code >= 0xd800 && code <= 0xdfff) {
    return hex(0xe0 | (code >> 12)) + hex(0x80 | ((code >> 6) & 0x3f)) + hex(0x80 | (code & 0x3f));
  }
  return Array.from(encoder.encode(ch), hex).join('');
}

/** The cell as it may be printed: see the header. `raw` for -r. */
export function escapeCell(text: string, raw = false): string {
  if ((raw ? PLAIN_RAW : PLAIN).test(text)) return text;
  const unsafe = raw ? UNSAFE_RAW : UNSAFE;
  let out = '';
  let previousBackslash = false;
  for (const ch of text) {
    if (ch === 'x' && previousBackslash && !raw) out = `${out.slice(0, -1)}\\x5c`;
    previousBackslash = ch === '\\';
    out += unsafe.test(ch) ? escapeChar(ch) : ch;
  }
  return out;
}

/** Text of many lines, each escaped as a cell: the line breaks are kept, every other control escaped. */
export function escapeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeCell(line))
    .join('\n');
}

/** One column per character, as string-width measures them: printable ASCII, and Latin-1 and Latin
 * Extended (U+00A0..U+02FF: "×" of a fold, "é") less the soft hyphen, which takes none. */
const NARROW = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff]*$/;

/** Display columns of an escaped cell. */
export function displayWidth(text: string): number {
  return NARROW.test(text) ? text.length : stringWidth(text);
}

/** Made at the first cut: the first Intl.Segmenter of a process loads ICU's break rules (~10 ms). */
let graphemes: Intl.Segmenter | undefined;

/** The cell cut to `width` columns, its last column an ellipsis when anything was cut. */
export function truncateCell(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  graphemes ??= new Intl.Segmenter();
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** Columns of an item cut to make room: less says nothing. */
const ITEM_PART = 8;

/**
 * A list cell (escaped items joined by `separator`) cut to `width` columns at an item, the others counted:
 * "961,postgres,3 962,postgres,3 +34 more". The first item left out is shown cut, when at least ITEM_PART
 * columns of it fit beside the count ("671 myserver: master fd 0; 40 × myserver: wor…"); when nothing fits
 * beside the count, the text is cut as any cell.
 */
export function truncateList(items: readonly string[], separator: string, width: number): string {
  const whole = items.join(separator);
  if (displayWidth(whole) <= width) return whole;
  const gap = displayWidth(separator);
  const more = (shown: number) => (shown < items.length ? `${separator}+${items.length - shown} more` : '');
  const shown: string[] = [];
  let used = -gap; // the width of `shown` joined
  for (const item of items) {
    const next = used + gap + displayWidth(item);
    const after = displayWidth(more(shown.length + 1));
    if (next + after > width) {
      const room = width - used - gap - after;
      if (room >= ITEM_PART) shown.push(truncateCell(item, room));
      break;
    }
    shown.push(item);
    used = next;
  }
  return shown.length === 0 ? truncateCell(whole, width) : shown.join(separator) + more(shown.length);
}
