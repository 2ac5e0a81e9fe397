import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * How a module is imported. `type` imports vanish at compile time; `dynamic` ones (`import()`)
 * load only when the code runs; `static` ones load with the importing module.
 */
export type ImportKind = 'static' | 'type' | 'dynamic';

export interface ImportEdge {
  /** The importing file, relative to the tree's root with `/` separators: `copy/copy-image.ts`. */
  file: string;
  line: number;
  specifier: string;
  kind: ImportKind;
  /** For a relative specifier, the file it names (`source/image-source.ts`); absent for packages. */
  target?: string;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** `import(expr)` whose specifier is not a string literal: no check can see where it goes. */
  computed: { file: string; line: number }[];
}

function sourceFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, path);
    return entry.name.endsWith('.ts') ? [relative(root, path).split(sep).join('/')] : [];
  });
}

/** `import { type A, type B }` is as type-only as `import type { A, B }`: TypeScript drops both. */
function allTypeOnly(elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean {
  return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

function importKind(node: ts.ImportDeclaration): ImportKind {
  const clause = node.importClause;
  if (clause === undefined) return 'static'; // `import './x.js'`: run for its effects
  if (clause.isTypeOnly) return 'type';
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && allTypeOnly(bindings.elements) ? 'type' : 'static';
}

function exportKind(node: ts.ExportDeclaration): ImportKind {
  if (node.isTypeOnly) return 'type';
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && allTypeOnly(clause.elements) ? 'type' : 'static';
}

/**
 * Resolves a relative `.js` specifier to the `.ts` source it is compiled from (a `.d.ts` when only
 * that exists), as NodeNext resolution does for this project's sources.
 */
function resolveTarget(file: string, specifier: string, files: ReadonlySet<string>): string {
  const path = posix.normalize(posix.join(posix.dirname(file), specifier));
  const source = path.replace(/\.js$/, '.ts');
  const declaration = path.replace(/\.js$/, '.d.ts');
  return !files.has(source) && files.has(declaration) ? declaration : source;
}

/**
 * Every import of every `.ts` file under `root`: `import … from`, `export … from`, `import()` and
 * `typeof import()`, read with the TypeScript parser (so strings and comments that look like
 * imports are not taken for them).
 */
export function readImportGraph(root: string): ImportGraph {
  const files = sourceFiles(root).sort();
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  const computed: ImportGraph['computed'] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const add = (node: ts.Node, specifier: string, kind: ImportKind) => {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      edges.push({ file, line: lineOf(node), specifier, kind, ...(relative ? { target: resolveTarget(file, specifier, known) } : {}) });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node, node.moduleSpecifier.text, importKind(node));
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node, node.moduleSpecifier.text, exportKind(node));
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        add(node, node.argument.literal.text, 'type');
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [argument] = node.arguments;
        if (argument !== undefined && ts.isStringLiteralLike(argument)) add(node, argument.text, 'dynamic');
        else computed.push({ file, line: lineOf(node) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files, edges, computed };
}
