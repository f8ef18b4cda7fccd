// Every @example in src/'s TSDoc is a program a user could paste: imports from 'seqtune' or its subpaths (the
// package's exports, here its built .d.ts), every name defined. All of them type-check here in one program, no emit;
// a broken one is named by its file and function. A walk found examples that used xv, yv, data, writeFile, url and d
// without defining them, and ones of functions no entry point exports (autocorrelation, checkSeason, valLossOf).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const root = new URL('../..', import.meta.url).pathname;

interface Example {
  /** src/…/file.ts:line name (the @example tag's line, the function's name), as a failure names it. */
  where: string;
  code: string;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'assembly' ? [] : sources(p);
    return n.endsWith('.ts') && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** The name a documented declaration goes by: a function, class, method, constant or property. */
function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name))) {
    const parent = node.parent as ts.Node & { name?: ts.Node };
    const owner =
      (ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent)) && parent.name
        ? `${parent.name.getText()}.`
        : '';
    return owner + named.name.text;
  }
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  return ts.SyntaxKind[node.kind];
}

/** The @example blocks of one source file (a ```ts fence around the code, if any, left out). */
function examplesOf(file: string): Example[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Example[] = [];
  const visit = (node: ts.Node) => {
    for (const doc of ts.getJSDocCommentsAndTags(node)) {
      if (!ts.isJSDoc(doc) || doc.parent !== node) continue;
      for (const tag of doc.tags ?? []) {
        if (tag.tagName.text !== 'example') continue;
        const code = (ts.getTextOfJSDocComment(tag.comment) ?? '').replace(/^```\w*\n?|\n?```\s*$/g, '');
        const line = sf.getLineAndCharacterOfPosition(tag.getStart(sf)).line + 1;
        found.push({ where: `${relative(root, file)}:${line} ${nameOf(node)}`, code });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const examples = sources(join(root, 'src')).flatMap(examplesOf);

test('src/ has @example blocks to check, each with code', () => {
  assert.ok(examples.length >= 35, `found ${examples.length}`);
  for (const e of examples) assert.ok(e.code.trim(), `${e.where}: an empty @example`);
});

test('every @example in src/ type-checks against the package exports, as a user imports them', () => {
  // the built .d.ts (fast: declarations only); without a build, the sources the package's entry points are built from
  const built = existsSync(join(root, 'dist', 'index.d.ts'));
  const against = built ? 'dist/*.d.ts (npm run build:ts after changing src/)' : 'src/ (dist/ is not built)';
  const files = new Map(
    examples.map((e, i) => [join(root, '.examples', `${i}.ts`), { ...e, code: `${e.code}\nexport {};\n` }]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    baseUrl: root,
    paths: built
      ? { seqtune: ['dist/index.d.ts'], 'seqtune/*': ['dist/*/index.d.ts'] }
      : { seqtune: ['src/index.ts'], 'seqtune/*': ['src/*/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.readFile = (f) => files.get(f)?.code ?? readFile(f);
  host.getSourceFile = (f, v, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!.code, v) : getSourceFile(f, v, ...rest);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = [...files].flatMap(([f, e]) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${e.where}: @example line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    }),
  );
  assert.deepEqual(problems, [], `${problems.length} problems in @example blocks, against ${against}`);
});
