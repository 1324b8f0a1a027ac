/** The table renderer and cell escaping on synthetic rows: libsmartcols' escapes, widths, cutting, scale. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLossless, textBytes } from '../sys/lossless-text.js';
import { escapeCell, truncateCell } from './cell-text.js';
import { stringifyLossless } from './json-text.js';
import { type Columns, renderTable, selectColumns } from './table.js';

interface Row {
  n: number;
  name: string;
}

const COLUMNS: Columns<Row> = {
  N: { help: 'number', json: 'number', align: 'right', get: (r) => r.n },
  NAME: { help: 'name', json: 'string', truncate: true, get: (r) => r.name },
  AFTER: { help: 'after', json: 'string', get: () => 'x' },
};

const text = (chunks: Iterable<string>): string => [...chunks].join('');

test('escapeCell: controls, DEL, C1, bidi controls, invalid bytes and "\\x" become \\xHH; the rest is kept', () => {
  const cases: [string, string][] = [
    ['plain name.txt', 'plain name.txt'],
    ['a\nb\rc\td\x1b[31m', 'a\\x0ab\\x0dc\\x09d\\x1b[31m'],
    ['del\x7f c1\u0085', 'del\\x7f c1\\xc2\\x85'],
    [
      'rlo\u202etxt lri\u2066 alm\u061c lrm\u200e ls\u2028',
      'rlo\\xe2\\x80\\xaetxt lri\\xe2\\x81\\xa6 alm\\xd8\\x9c lrm\\xe2\\x80\\x8e ls\\xe2\\x80\\xa8',
    ],
    [decodeLossless(Uint8Array.from([0x62, 0xff, 0xc3])), 'b\\xff\\xc3'],
    ['back\\xslash and \\n', 'back\\x5cxslash and \\n'],
    ['中文 é 😀', '中文 é 😀'],
  ];
  for (const [input, expected] of cases) assert.equal(escapeCell(input), expected, JSON.stringify(input));
  assert.equal(
    escapeCell('a b\\c\u00a0', true),
    'a\\x20b\\x5cc\\xc2\\xa0',
    'raw: blanks and backslashes too',
  );
});

test('decodeLossless keeps every byte: valid UTF-8 as text, the rest as U+DC80+byte, and back', () => {
  const samples = [
    [0x2f, 0x74, 0xff, 0x78],
    [0xe4, 0xb8, 0xad, 0xe4, 0xb8], // a whole and a cut CJK character
    [0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80], // overlong, surrogate, > U+10FFFF
    [0xf0, 0x9f, 0x98, 0x80, 0x80],
  ];
  for (const bytes of samples) {
    const decoded = decodeLossless(Uint8Array.from(bytes));
    assert.deepEqual([...textBytes(decoded)], bytes, JSON.stringify(decoded));
  }
  assert.equal(decodeLossless(Uint8Array.from([0xe4, 0xb8, 0xad, 0xff])), '中\udcff');
  assert.equal(decodeLossless(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80])), '😀');
});

test('JSON: a string with invalid bytes is readable text (U+FFFD) with its bytes beside it, base64', () => {
  const name = decodeLossless(Uint8Array.from([0x61, 0xff]));
  const doc = JSON.parse(stringifyLossless({ list: [{ name, ok: '😀', message: name }] })) as {
    list: Record<string, string>[];
  };
  assert.deepEqual(doc.list[0], { name: 'a\ufffd', nameBytes: 'Yf8=', ok: '😀', message: 'a\ufffd' });
});

test('renderTable: display widths align columns after CJK text; a terminal width cuts NAME with …', () => {
  const rows = [
    { n: 1, name: '中文名' },
    { n: 22, name: 'ascii-name' },
  ];
  assert.equal(
    text(renderTable(rows, COLUMNS, ['N', 'NAME', 'AFTER'])),
    ' N NAME       AFTER\n 1 中文名     x\n22 ascii-name x\n',
  );
  const cut = text(renderTable(rows, COLUMNS, ['N', 'NAME', 'AFTER'], { fitWidth: 16 }));
  assert.equal(cut, ' N NAME    AFTER\n 1 中文名  x\n22 ascii-… x\n');
  assert.equal(truncateCell('中文名', 4), '中…');
  assert.equal(
    text(renderTable(rows, COLUMNS, ['N', 'AFTER'], { raw: true, noHeadings: true })),
    '1 x\n22 x\n',
  );
});

test('selectColumns: "," and "" name no column and are errors; unknown names too', () => {
  assert.deepEqual(selectColumns(COLUMNS, ['N'], '+name'), ['N', 'NAME']);
  for (const spec of [',', '', '+', 'NOPE', 'constructor']) {
    assert.throws(() => selectColumns(COLUMNS, ['N'], spec), /column/, JSON.stringify(spec));
  }
});

test('renderTable: 250,000 rows render in chunks, with no call spread over the rows', () => {
  const rows = Array.from({ length: 250_000 }, (_, i) => ({
    n: i,
    name: i === 123_456 ? 'the widest name' : 'n',
  }));
  let lines = 0;
  let chunks = 0;
  let biggest = 0;
  let last = '';
  for (const chunk of renderTable(rows, COLUMNS, ['N', 'NAME', 'AFTER'], { fitWidth: 1000 })) {
    chunks++;
    biggest = Math.max(biggest, chunk.length);
    lines += chunk.split('\n').length - 1;
    last = chunk;
  }
  assert.equal(lines, 250_001);
  assert.ok(chunks > 100, `${chunks} chunks`);
  assert.ok(biggest < 1_000_000, `a chunk of ${biggest} characters`);
  assert.ok(last.endsWith(`249999 n               x\n`), last.slice(-80));
});
