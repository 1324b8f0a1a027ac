/** renderJson, the one JSON convention written as it is produced: the bytes of one JSON.stringify of the
 * report (an element of a top-level array per line; --pretty: JSON.stringify's indentation), in chunks
 * small enough to stay young strings, on content that tempts a writer to get it wrong. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLossless } from '../sys/lossless-text.js';
import { renderJson, stringifyLossless } from './json-text.js';

/** A name of bytes that are not UTF-8: "/tmp/\xff\n\x1b[2J", as the kernel would hand it over. */
const BAD_NAME = decodeLossless(
  Uint8Array.from([...Buffer.from('/tmp/'), 0xff, 0x0a, 0x1b, 0x5b, 0x32, 0x4a]),
);

/** Unusual content at every level: escapes and line breaks inside strings (U+2028 too), names that are
 * not UTF-8 (`*Bytes` fields), numbers past 2^53 and in exponent form, empty arrays, arrays of numbers,
 * nested arrays of objects that begin with the first key, a field JSON leaves out, a hole that is null. */
function hostileReport(elements: number): Record<string, unknown> {
  return {
    schema: 'kcmp.test/1',
    processes: [{ pid: 1, command: BAD_NAME, cmdline: 'a\u2028b\tc"\\' }],
    descriptions: Array.from({ length: elements }, (_, i) => ({
      id: `d${i + 1}`,
      name: i % 2 ? BAD_NAME : `/tmp/file ${i}\n"quoted"\u0000`,
      ino: 2 ** 53 + 2 * i,
      size: 1e21,
      holders: [
        { id: 'inner', pid: i, fd: 3 },
        { id: 'inner', pid: i, fd: 4, command: BAD_NAME },
      ],
      peers: [],
    })),
    empty: [],
    numbers: [1, -0.5, 2 ** 64],
    sparse: [{ id: 'x' }, undefined],
    left: undefined,
    errors: [],
    stats: { processes: 1, nested: { deep: [{ a: [] }] } },
  };
}

const text = (chunks: Iterable<string>): string => [...chunks].join('');

test('renderJson writes the bytes of one JSON.stringify of the report: --pretty exactly, compact with an element of a top-level array per line', () => {
  for (const elements of [0, 1, 3, 2000]) {
    const report = hostileReport(elements);
    assert.equal(
      text(renderJson(report, true)),
      `${stringifyLossless(report, 2)}\n`,
      `${elements}, --pretty`,
    );
    const compact = text(renderJson(report, false));
    // No string holds a raw line break (JSON escapes it): those are the convention's own.
    assert.equal(compact.replaceAll('\n', ''), stringifyLossless(report), `${elements}, compact`);
    const lines = compact.split('\n');
    assert.equal(lines.filter((l) => l.startsWith('{"id":"d')).length, elements, 'a line per description');
    assert.ok(
      lines.includes(
        '{"pid":1,"command":"/tmp/\ufffd\\n\\u001b[2J","commandBytes":"L3RtcC//ChtbMko=","cmdline":"a\u2028b\\tc\\"\\\\"}',
      ),
    );
    assert.ok(
      compact.includes(
        '\n"empty":[],\n"numbers":[1,-0.5,18446744073709552000],\n"sparse":[\n{"id":"x"},\nnull\n],\n"errors":[],',
      ),
    );
    assert.ok(!compact.includes('"left"'), 'a field JSON leaves out is left out');
    assert.deepEqual(JSON.parse(compact), JSON.parse(stringifyLossless(report)));
  }
  assert.equal(text(renderJson({}, false)), '{}\n');
  assert.equal(text(renderJson({}, true)), '{}\n');
});

test('renderJson hands out chunks of 16 to 32 Ki characters, never the whole document nor a thousand elements at once', () => {
  // 2000 descriptions of about 200 characters: 400 KB of compact JSON, 700 KB pretty.
  const { left: _, ...report } = hostileReport(2000);
  for (const pretty of [false, true]) {
    const chunks = [...renderJson(report, pretty)];
    const longest = Math.max(...chunks.map((c) => c.length));
    // V8 puts a string over 128 KiB (64 Ki UTF-16 characters) in its large-object space, freed only by a
    // full collection; before this writer, one chunk was 1000 elements (compact) or the whole document.
    assert.ok(chunks.length > 20, `pretty ${pretty}: ${chunks.length} chunks`);
    assert.ok(longest < 32 * 1024, `pretty ${pretty}: a chunk of ${longest} characters`);
  }
});

test('renderJson produces its text only as it is read: the chunk that holds the first element stringified a few, not the report', () => {
  let stringified = 0;
  const report = {
    schema: 'kcmp.test/1',
    descriptions: Array.from({ length: 5000 }, (_, i) => ({
      id: `d${i}`,
      toJSON() {
        stringified++;
        return { id: this.id, name: 'x'.repeat(100) };
      },
    })),
  };
  for (const pretty of [false, true]) {
    stringified = 0;
    let written = '';
    for (const chunk of renderJson(report, pretty)) {
      written += chunk;
      if (written.includes('"d0"')) break;
    }
    assert.ok(stringified > 0 && stringified < 400, `pretty ${pretty}: ${stringified} elements stringified`);
  }
});
