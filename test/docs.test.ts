/**
 * The shipped documentation: every export of the public API has TSDoc (an `@example` for each function
 * and class, a comment on each field), and no shipped comment or string cites the project's internal
 * documents (spec sections, scenario numbers, source keys) instead of stating the fact. Reads src/ and the
 * built dist/ (run `npm run build` first, as for every test).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tsdocCoverage } from './helpers/tsdoc-coverage.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a citation of an internal document looks like: its file name, a § section, a source key. */
const CITATION =
  /kcmp-spec|native-access|prior-art|DESIGN\.md|style-anchors|§|\b[KCBQ]-[A-Z]{2,}\b|\bscenarios? \d|lessons \d/;

function shippedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return shippedFiles(path);
    return /\.(ts|cts|js|cjs|d\.ts|\d)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function citations(files: string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        CITATION.test(line) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [],
      ),
  );
}

test('the citation pattern catches the forms it is meant to catch', () => {
  for (const cited of ['(kcmp-spec.md §4.3)', 'see §6.4', 'K-KCMP', 'without C-DQFIX', 'scenario 32']) {
    assert.match(cited, CITATION);
  }
  for (const fact of ['KCMP_FILE', 'CLONE_FILES', 'Linux ≥ 6.10', 'mkfds scenario-pipe.c']) {
    assert.doesNotMatch(fact, CITATION);
  }
});

test('no shipped source or built file cites internal documents', () => {
  const dist = join(ROOT, 'dist');
  assert.ok(existsSync(dist), 'dist/ is missing: run npm run build first');
  const files = [...shippedFiles(join(ROOT, 'src')), ...shippedFiles(dist)];
  assert.ok(files.length > 100, `only ${files.length} files found`);
  assert.deepEqual(citations(files), []);
});

test('every export of the public API has TSDoc, functions and classes an example, fields a comment', () => {
  const coverage = tsdocCoverage();
  assert.ok(coverage.exports.length > 50, `only ${coverage.exports.length} exports found`);
  assert.deepEqual(
    coverage.exports.filter((e) => !e.documented).map((e) => `${e.kind} ${e.name} (${e.where})`),
    [],
    'exports without TSDoc',
  );
  assert.deepEqual(
    coverage.exports
      .filter((e) => (e.kind === 'function' || e.kind === 'class') && !e.example)
      .map((e) => `${e.kind} ${e.name} (${e.where})`),
    [],
    'functions and classes without @example',
  );
  assert.deepEqual(coverage.undocumentedFields, [], 'fields without a comment');
});
