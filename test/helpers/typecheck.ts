/**
 * Type-checks TypeScript snippets as a consumer of the package would write them: `import … from 'kcmp'`
 * resolves through package.json `exports` to the built declarations (dist/index.d.ts: run `npm run build`
 * first), under the strictest options a consumer may use (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`), as ES modules where top-level await is allowed. All snippets go into one
 * program (one createProgram), each as a virtual file of its own.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './schema.js';

/** The options a strict consumer compiles with. */
const CONSUMER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  // No DOM: its globals (`parent`, `name`, `event`) would let an example's undeclared name compile.
  lib: ['lib.es2022.d.ts'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  types: ['node'],
  noEmit: true,
};

/** A problem the compiler found in a snippet. */
export interface SnippetDiagnostic {
  /** The line of the snippet (1-based). */
  line: number;
  /** The compiler's message. */
  message: string;
}

/**
 * The diagnostics of each snippet (`name` → source); a snippet that compiles has none. The snippets live,
 * virtually, in a directory of this repository, so `'kcmp'` is the package's own name. `stricter`: options
 * added to a strict consumer's (`noUnusedLocals` for code a reader copies whole).
 */
export function typecheckSnippets(
  snippets: ReadonlyMap<string, string>,
  stricter: ts.CompilerOptions = {},
): Map<string, SnippetDiagnostic[]> {
  const options = { ...CONSUMER_OPTIONS, ...stricter };
  const dir = join(ROOT, 'test', '.typecheck');
  const byPath = new Map([...snippets].map(([name, text]) => [join(dir, `${name}.ts`), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path);
  host.readFile = (path) => byPath.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = byPath.get(path);
    return text === undefined
      ? getSourceFile.call(host, path, language, ...rest)
      : ts.createSourceFile(path, text, language, true);
  };
  const program = ts.createProgram([...byPath.keys()], options, host);
  const result = new Map<string, SnippetDiagnostic[]>();
  for (const [name] of snippets) {
    const file = program.getSourceFile(join(dir, `${name}.ts`));
    if (file === undefined) throw new Error(`${name}: not in the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    result.set(
      name,
      diagnostics.map((d) => ({
        line: d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      })),
    );
  }
  return result;
}

/** The diagnostics of each snippet as `name:line: message` lines. */
export function typecheck(snippets: ReadonlyMap<string, string>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [name, diagnostics] of typecheckSnippets(snippets)) {
    result.set(
      name,
      diagnostics.map((d) => `${name}:${d.line}: ${d.message}`),
    );
  }
  return result;
}
