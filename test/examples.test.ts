/**
 * Every `@example` of the public API's TSDoc compiles: each is type-checked against the package's own
 * declarations as a strict consumer compiles them (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, ES modules with top-level await; test/helpers/typecheck.ts), all in one
 * program. An example that shows no import from 'kcmp' gets every export of the package, as if imported;
 * any other name it uses it must declare or import itself. Every TypeScript or JavaScript sample of
 * README.md and docs/*.md compiles too, also under `noUnusedLocals` (a reader copies it whole), and runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers/schema.js';
import { publicExamples } from './helpers/tsdoc-coverage.js';
import { typecheckSnippets } from './helpers/typecheck.js';

/** The example as a module of its own, its lines where they were, the package's exports imported after
 * them (imports are hoisted) unless it imports from 'kcmp' itself. */
function asModule(code: string, exported: readonly string[]): string {
  if (/from 'kcmp'/.test(code)) return `${code}\nexport {};\n`;
  return `${code}\nimport { ${exported.join(', ')} } from 'kcmp';\n`;
}

test('every @example of the public API compiles against the package types, strictly', () => {
  const examples = publicExamples();
  assert.ok(examples.length > 30, `only ${examples.length} examples found`);
  const diagnostics = typecheckSnippets(new Map(examples.map((e) => [e.name, asModule(e.code, e.exported)])));
  const broken = examples.flatMap((e) =>
    (diagnostics.get(e.name) ?? []).map((d) => `${e.file}:${e.line + d.line}: ${e.name}: ${d.message}`),
  );
  assert.deepEqual(broken, []);
});

/** The TypeScript and JavaScript code blocks of README.md and docs/*.md, named `file#n`. */
function documentationSamples(): { name: string; file: string; line: number; code: string }[] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return files.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/^```(?:ts|js|typescript|javascript)\n([\s\S]*?)^```$/gm)].map((m, i) => ({
      name: `${file.replace(/\W/g, '_')}_${i + 1}`,
      file,
      line: text.slice(0, m.index).split('\n').length,
      code: m[1] as string,
    }));
  });
}

test('every code sample of README.md and docs/ compiles (strict, noUnusedLocals) and runs', (t) => {
  const samples = documentationSamples();
  assert.ok(samples.length >= 3, `only ${samples.length} samples found`);
  const diagnostics = typecheckSnippets(new Map(samples.map((s) => [s.name, `${s.code}\nexport {};\n`])), {
    noUnusedLocals: true,
    noUnusedParameters: true,
  });
  assert.deepEqual(
    samples.flatMap((s) =>
      (diagnostics.get(s.name) ?? []).map((d) => `${s.file}:${s.line + d.line}: ${d.message}`),
    ),
    [],
  );
  // Run from a directory inside the package, where `import … from 'kcmp'` is the package itself.
  const dir = mkdtempSync(join(ROOT, 'test', '.samples-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const s of samples) {
    const file = join(dir, `${s.name}.mjs`);
    const js = ts.transpileModule(s.code, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${s.file}:${s.line}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, '', `${s.file}:${s.line}: nothing on stderr`);
    if (s.file === 'README.md' && s.code.includes('sameFile('))
      assert.match(r.stdout, /^shared \([\w-]+\)\n/, `${s.file}:${s.line}: ${r.stdout}`);
    if (s.file === 'README.md' && s.code.includes('otherEndOf('))
      assert.match(r.stdout, /^\d+ \(sleep, other\) holds the other end as fd 1\n$/, `${s.file}:${s.line}`);
  }
});
