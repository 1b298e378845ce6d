/**
 * Measures every function in the source folders with the TypeScript compiler's own parser
 * (the pinned 5.9, whose compiler API the registry's 7.x no longer has), so the bound on a
 * function's length is checked, not hoped for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One function and its length in lines. */
export interface FunctionLength {
  /** `path:name`, e.g. `local/services/fault-proxy.ts:startFaultProxy`. */
  readonly id: string;
  readonly line: number;
  /** Its own lines, nested functions left out (they are measured on their own). */
  readonly lines: number;
  /** Every line from its start to its end, the closures it holds included. */
  readonly span: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** The functions of every .ts file below `dirs` (relative to `root`), longest first. */
export function functionLengths(root: string, dirs: readonly string[]): FunctionLength[] {
  const lengths: FunctionLength[] = [];
  for (const file of dirs.flatMap((dir) => sourceFiles(join(root, dir)))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
    const spanOf = (node: ts.Node) => lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
    const nestedLines = (node: ts.Node): number => {
      let lines = 0;
      node.forEachChild(function visit(child) {
        if (isFunction(child)) lines += spanOf(child);
        else child.forEachChild(visit);
      });
      return lines;
    };
    source.forEachChild(function visit(node) {
      if (isFunction(node) && node.body) {
        lengths.push({
          id: `${relative(root, file)}:${nameOf(node)}`,
          line: lineOf(node.getStart(source)) + 1,
          lines: spanOf(node) - nestedLines(node.body),
          span: spanOf(node),
        });
      }
      node.forEachChild(visit);
    });
  }
  return lengths.sort((a, b) => b.lines - a.lines);
}
