/**
 * Every `@example` of the public API's TSDoc compiles: each is type-checked against the package's own
 * declarations as a strict consumer compiles them (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, ES modules with top-level await; test/helpers/typecheck.ts), all in one
 * program. An example that shows no import from 'kcmp' gets every export of the package, as if imported;
 * any other name it uses it must declare or import itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
