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
      // A field whose type is one literal (a union's discriminant, `schema: 'kcmp.fds/1'`) says what it is.
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

export function tsdocCoverage(): TsdocCoverage {
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
  if (moduleSymbol === undefined) throw new Error(`cannot read ${index}`);
  const exports: ExportDoc[] = [];
  const members: [string, ts.Node][] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (decl === undefined) continue;
    const kind = kindOf(decl, checker);
    exports.push({
      name: exported.name,
      where: where(decl),
      kind,
      documented: hasDoc(decl),
      example: hasExample(decl),
    });
    if (ts.isInterfaceDeclaration(decl)) collectMembers(decl, exported.name, members);
    else if (ts.isTypeAliasDeclaration(decl)) collectMembers(decl.type, exported.name, members);
    else if (ts.isClassDeclaration(decl)) classMembers(decl, exported.name, members);
  }
  const undocumentedFields = members.filter(([, m]) => !hasDoc(m)).map(([n, m]) => `${n} (${where(m)})`);
  return { exports, undocumentedFields, fields: members.length };
}
