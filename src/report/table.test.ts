/** The table renderer and cell escaping on synthetic rows: libsmartcols' escapes, widths, cutting (lists
 * first, NAME last and never below 24 columns), scale. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { decodeLossless, textBytes } from '../sys/lossless-text.js';
import { displayWidth, escapeCell, truncateCell, truncateList } from './cell-text.js';
import { stringifyLossless } from './json-text.js';
import { type Columns, KEEP, listColumn, renderTable, selectColumns } from './table.js';

interface Row {
  n: number;
  name: string;
}

const COLUMNS: Columns<Row> = {
  N: { help: 'number', json: 'number', align: 'right', get: (r) => r.n },
  NAME: { help: 'name', json: 'string', truncate: 'late', get: (r) => r.name },
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

test('renderTable: display widths align columns after CJK text; a terminal width cuts a long NAME to 24 columns with …', () => {
  const rows = [
    { n: 1, name: '中文名' },
    { n: 22, name: 'ascii-name' },
  ];
  assert.equal(
    text(renderTable(rows, COLUMNS, ['N', 'NAME', 'AFTER'])),
    ' N NAME       AFTER\n 1 中文名     x\n22 ascii-name x\n',
  );
  assert.equal(
    text(renderTable(rows, COLUMNS, ['N', 'NAME', 'AFTER'], { fitWidth: 16 })),
    ' N NAME       AFTER\n 1 中文名     x\n22 ascii-name x\n',
    'a NAME of up to 24 columns is never cut',
  );
  const long = [{ n: 1, name: '中文名'.repeat(5) }, ...rows];
  assert.equal(
    text(renderTable(long, COLUMNS, ['N', 'NAME', 'AFTER'], { fitWidth: 20 })),
    ' N NAME                     AFTER\n 1 中文名中文名中文名中文…  x\n 1 中文名                   x\n22 ascii-name               x\n',
  );
  assert.equal(truncateCell('中文名', 4), '中…');
  assert.equal(
    text(renderTable(rows, COLUMNS, ['N', 'AFTER'], { raw: true, noHeadings: true })),
    '1 x\n22 x\n',
  );
});

interface Holding {
  name: string;
  peers: string[];
  cmdline: string;
}

const HOLDING: Columns<Holding> = {
  NAME: { help: 'name', json: 'string', truncate: 'late', get: (r) => r.name },
  PEERS: { help: 'peers', ...listColumn(' ', (r: Holding) => r.peers) },
  CMDLINE: { help: 'command line', json: 'string', truncate: 'early', get: (r) => r.cmdline },
};

test('renderTable on a terminal: lists and command lines give way first, widest first; NAME keeps 24 columns; a list counts what it left out', () => {
  const peers = Array.from({ length: 36 }, (_, i) => `${961 + i},postgres,3`);
  const cmdline = 'postgres: 16/main: checkpointer';
  const table = (name: string, width: number) =>
    text(renderTable([{ name, peers, cmdline }], HOLDING, ['NAME', 'PEERS', 'CMDLINE'], { fitWidth: width }));
  const pgWal = '/var/lib/postgresql/16/pg_wal/00000001';
  assert.equal(
    table(pgWal, 100),
    'NAME                                   PEERS                          CMDLINE\n' +
      `${pgWal} 961,postgres,3 +35 more        postgres: 16/main: checkpoint…\n`,
    'NAME whole: the lists give way, to one width',
  );
  assert.equal(
    table(`${pgWal}/000000010000000000000001`, 80),
    'NAME                           PEERS                    CMDLINE\n' +
      '/var/lib/postgresql/16/pg_wal… 961,postgres,3 +35 more  postgres: 16/main: chec…\n',
    'the lists at 24 columns, then NAME gives way',
  );
  const narrow = table(`${pgWal}/000000010000000000000001`, 40).split('\n')[1] as string;
  assert.ok(
    narrow.startsWith('/var/lib/postgresql/16/… '),
    `NAME keeps ${KEEP} columns at any width: ${narrow}`,
  );
  const whole = text(renderTable([{ name: pgWal, peers, cmdline }], HOLDING, ['NAME', 'PEERS', 'CMDLINE']));
  assert.ok(
    whole.includes(`${pgWal} ${peers.join(' ')} ${cmdline}`),
    'off a terminal (and with -u) nothing is cut',
  );
});

test('displayWidth: one column for each Latin-1 and Latin Extended character, as string-width says', () => {
  for (let code = 0xa0; code <= 0x2ff; code++) {
    const ch = String.fromCodePoint(code);
    assert.equal(displayWidth(`a${ch}×`), stringWidth(`a${ch}×`), `U+${code.toString(16)}`);
  }
});

test('truncateList: whole items and the count of the others; the first one left out cut when it fits', () => {
  const items = ['671 myserver: master fd 0', '40 × myserver: worker fd 0'];
  assert.equal(truncateList(items, '; ', 60), items.join('; '));
  assert.equal(truncateList(items, '; ', 46), '671 myserver: master fd 0; 40 × myserver: wor…');
  assert.equal(truncateList(['a1', 'b22', 'c333', 'd4444', 'e55555'], ' ', 16), 'a1 b22 +3 more');
  assert.equal(truncateList(['a1', 'b22', 'c333', 'd4444', 'e55555'], ' ', 20), 'a1 b22 c333 +2 more');
  assert.equal(
    truncateList(['12345678901234', 'x', 'y'], ' ', 17),
    '12345678… +2 more',
    'the first item cut',
  );
  assert.equal(truncateList(['12345678901234', 'x', 'y'], ' ', 10), '123456789…', 'no room for a count');
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
