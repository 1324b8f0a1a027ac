/**
 * Which exports of the public API (everything src/index.ts re-exports, followed to its declaration) lack a
 * TSDoc comment, which functions and classes lack an `@example`, and which fields of exported interfaces,
 * object types and classes lack a comment. Read with the TypeScript compiler, as an editor's hover does.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ExportDoc {
  /** The exported name. */
  name: string;
  /** Where it is declared, `path:line` relative to the repository. */
  where: string;
  /** What it is: function, class, interface, type or const. */
  kind: 'function' | 'class' | 'interface' | 'type' | 'const';
  /** It has a TSDoc comment with text. */
  documented: boolean;
  /** It has an `@example` tag (only asked of functions and classes). */
  example: boolean;
}

export interface TsdocCoverage {
  /** Every export of src/index.ts, in the order the compiler lists them. */
  exports: ExportDoc[];
  /** Fields (of exported interfaces, object types, classes) without a comment: `Type.field (path:line)`. */
  undocumentedFields: string[];
  /** How many fields were looked at. */
  fields: number;
}

function hasDoc(node: ts.Node): boolean {
  return ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment ?? '') !== '');
}

function hasExample(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === 'example');
}

function where(node: ts.Node): string {
  const file = node.getSourceFile();
  const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  return `${relative(ROOT, file.fileName)}:${line}`;
}

function kindOf(decl: ts.Declaration, checker: ts.TypeChecker): ExportDoc['kind'] {
  if (ts.isFunctionDeclaration(decl)) return 'function';
  if (ts.isClassDeclaration(decl)) return 'class';
  if (ts.isInterfaceDeclaration(decl)) return 'interface';
  if (ts.isTypeAliasDeclaration(decl)) return 'type';
  const type = checker.getTypeAtLocation(decl);
  return type.getCallSignatures().length > 0 ? 'function' : 'const';
}

/** The members of object types found in `node`, descending into unions, intersections and field types. */
function collectMembers(node: ts.Node | undefined, owner: string, out: [string, ts.Node][]): void {
  if (node === undefined) return;
  if (ts.isTypeLiteralNode(node) || ts.isInterfaceDeclaration(node)) {
    for (const m of node.members) {
      const name = m.name !== undefined && ts.isIdentifier(m.name) ? m.name.text : m.name?.getText();
      if (name === undefined) continue;
      // A field whose type is one literal (a union's discriminant, `schema: 'kcmp.fds/2'`) says what it is.
      if (!(ts.isPropertySignature(m) && m.type !== undefined && ts.isLiteralTypeNode(m.type))) {
        out.push([`${owner}.${name}`, m]);
      }
      if (ts.isPropertySignature(m)) collectMembers(m.type, `${owner}.${name}`, out);
    }
    if (ts.isInterfaceDeclaration(node)) return;
  }
  if (ts.isUnionTypeNode(node) || ts.isIntersectionTypeNode(node)) {
    for (const t of node.types) collectMembers(t, owner, out);
  } else if (ts.isParenthesizedTypeNode(node) || ts.isArrayTypeNode(node)) {
    collectMembers(ts.isArrayTypeNode(node) ? node.elementType : node.type, owner, out);
  } else if (ts.isTypeReferenceNode(node)) {
    for (const t of node.typeArguments ?? []) collectMembers(t, owner, out);
  }
}

function classMembers(decl: ts.ClassDeclaration, owner: string, out: [string, ts.Node][]): void {
  const isPublic = (m: ts.Node) =>
    !(
      ts.getCombinedModifierFlags(m as ts.Declaration) &
      (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)
    );
  for (const m of decl.members) {
    if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && isPublic(m)) {
      out.push([`${owner}.${m.name.text}`, m]);
    } else if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (
          ts.isIdentifier(p.name) &&
          ts.getCombinedModifierFlags(p) & ts.ModifierFlags.ParameterPropertyModifier
        ) {
          if (isPublic(p)) out.push([`${owner}.${p.name.text}`, p]);
        }
      }
    }
  }
}

/** One export of src/index.ts: the name it is exported under and its declaration. */
interface PublicDeclaration {
  name: string;
  decl: ts.Declaration;
}

/** Every export of src/index.ts, followed to its declaration, and the module's own source. */
function publicApi(): { index: ts.SourceFile; declarations: PublicDeclaration[]; checker: ts.TypeChecker } {
  const index = join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(index);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (source === undefined || moduleSymbol === undefined) throw new Error(`cannot read ${index}`);
  const declarations: PublicDeclaration[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (decl !== undefined) declarations.push({ name: exported.name, decl });
  }
  return { index: source, declarations, checker };
}

export function tsdocCoverage(): TsdocCoverage {
  const { declarations, checker } = publicApi();
  const exports: ExportDoc[] = [];
  const members: [string, ts.Node][] = [];
  for (const { name, decl } of declarations) {
    const kind = kindOf(decl, checker);
    exports.push({ name, where: where(decl), kind, documented: hasDoc(decl), example: hasExample(decl) });
    if (ts.isInterfaceDeclaration(decl)) collectMembers(decl, name, members);
    else if (ts.isTypeAliasDeclaration(decl)) collectMembers(decl.type, name, members);
    else if (ts.isClassDeclaration(decl)) classMembers(decl, name, members);
  }
  const undocumentedFields = members.filter(([, m]) => !hasDoc(m)).map(([n, m]) => `${n} (${where(m)})`);
  return { exports, undocumentedFields, fields: members.length };
}

/** An `@example` of the public API's TSDoc. */
export interface PublicExample {
  /** The export it documents (`index` for the module comment of src/index.ts), and which of its examples. */
  name: string;
  /** The file it is in, relative to the repository. */
  file: string;
  /** The line before its code's first line: the code's line N is the file's line `line + N`. */
  line: number;
  /** The example's code, as written (the comment's leading `*` removed). */
  code: string;
  /** Every name src/index.ts exports, for an example that shows no import. */
  exported: readonly string[];
}

/** The code of an `@example` tag, read from the source (the JSDoc parser would resolve `{@link}` and `@`),
 * and the line (0-based) of its first line. */
function exampleCode(tag: ts.JSDocTag): { code: string; firstLine: number } {
  const file = tag.getSourceFile();
  const lines = file.text
    .slice(tag.tagName.end, tag.end)
    .split('\n')
    .map((line) => line.replace(/^\s*\*\/?\s?/, '').replace(/\s*\*\/$/, ''));
  const skipped = lines.findIndex((line) => line.trim() !== '');
  const start = file.getLineAndCharacterOfPosition(tag.tagName.end).line;
  return { code: lines.slice(Math.max(skipped, 0)).join('\n').trimEnd(), firstLine: start + skipped };
}

/** The `@example` tags of a declaration and of every node inside it (class members, fields). */
function examplesIn(node: ts.Node, out: ts.JSDocTag[]): void {
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    for (const tag of doc.tags ?? []) if (tag.tagName.text === 'example') out.push(tag);
  }
  ts.forEachChild(node, (child) => {
    if (!ts.isJSDoc(child)) examplesIn(child, out);
  });
}

/** Every `@example` of the public API: on each export of src/index.ts and inside it, and the module's own. */
export function publicExamples(): PublicExample[] {
  const { index, declarations } = publicApi();
  const exported = declarations.map((d) => d.name);
  const seen = new Set<ts.JSDocTag>();
  const examples: PublicExample[] = [];
  const add = (name: string, tags: ts.JSDocTag[]) => {
    for (const tag of tags.filter((t) => !seen.has(t))) {
      seen.add(tag);
      const n = examples.filter((e) => e.name.startsWith(`${name}#`)).length + 1;
      const { code, firstLine } = exampleCode(tag);
      const file = relative(ROOT, tag.getSourceFile().fileName);
      examples.push({ name: `${name}#${n}`, file, line: firstLine, code, exported });
    }
  };
  const first = index.statements[0];
  const moduleTags: ts.JSDocTag[] = [];
  if (first !== undefined) {
    for (const doc of ts.getJSDocCommentsAndTags(first)) {
      if (ts.isJSDoc(doc)) moduleTags.push(...(doc.tags ?? []).filter((t) => t.tagName.text === 'example'));
    }
  }
  add('index', moduleTags);
  for (const { name, decl } of declarations) {
    const tags: ts.JSDocTag[] = [];
    examplesIn(decl, tags);
    add(name, tags);
  }
  return examples;
}

/** A TSDoc comment of the public API: on an export of src/index.ts or on anything inside it (fields, members). */
export interface PublicDoc {
  /** Where the comment is, `path:line` relative to the repository. */
  where: string;
  /** The comment as written, tags and examples included. */
  text: string;
}

/** The JSDoc comments of a node and of every node inside it. */
function docsIn(node: ts.Node, out: ts.JSDoc[]): void {
  for (const doc of ts.getJSDocCommentsAndTags(node)) if (ts.isJSDoc(doc)) out.push(doc);
  ts.forEachChild(node, (child) => {
    if (!ts.isJSDoc(child)) docsIn(child, out);
  });
}

/** Every TSDoc comment an editor shows for the public API: the module's, each export's, and its members'. */
export function publicDocs(): PublicDoc[] {
  const { index, declarations } = publicApi();
  const seen = new Set<ts.JSDoc>();
  const docs: ts.JSDoc[] = [];
  const first = index.statements[0];
  if (first !== undefined) docsIn(first, docs);
  for (const { decl } of declarations) docsIn(decl, docs);
  return docs
    .filter((d) => !seen.has(d) && seen.add(d))
    .map((d) => ({ where: where(d), text: d.getSourceFile().text.slice(d.pos, d.end) }));
}
