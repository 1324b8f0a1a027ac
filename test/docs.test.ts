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
import { publicDocs, tsdocCoverage } from './helpers/tsdoc-coverage.js';

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

/** The file names of the sources (borrow.ts, kinds.ts, …): a user reading a hover has none of them. */
function sourceFileNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else names.add(name);
    }
  };
  walk(join(ROOT, 'src'));
  return names;
}

/** `where: file name` for each public TSDoc comment that names a source file of the project. */
function internalFilesCited(inFdsPipeline: boolean): string[] {
  const sources = sourceFileNames();
  return publicDocs()
    .filter((d) => d.where.startsWith('src/inspect/fds/') === inFdsPipeline)
    .flatMap((d) =>
      [...d.text.matchAll(/\b[\w.-]+\.(?:c?ts|js|c)\b/g)]
        .map((m) => m[0])
        .filter((name) => sources.has(name) || sources.has(name.replace(/\.js$/, '.ts')))
        .map((name) => `${d.where}: ${name}`),
    );
}

test("the public API's TSDoc speaks of the API, never of internal files (borrow.ts, kinds.ts)", () => {
  assert.ok(publicDocs().length > 100, 'the comments are found');
  assert.deepEqual(internalFilesCited(false), []);
});

test("the TSDoc of the fds scan's options and report cites no internal file either", () => {
  assert.deepEqual(internalFilesCited(true), []);
});
