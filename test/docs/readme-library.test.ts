// The README's "Use it as a library" example is a program: type-checked here as a user's strict TypeScript would be
// (with 'seqtune' as the package root, src/index.ts) and run, in fewer epochs. It once used xData, N, xVal and
// xTest without defining them, and compiled nowhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const root = new URL('../..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first ```ts block of the README's section `heading`. */
function example(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `README: no ts block under ## ${heading}`);
  return block[1]!;
}

test("the README's library example type-checks under strict and runs without a warning", () => {
  const code = example('Use it as a library');
  assert.match(code, /from 'seqtune'/);
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-readme-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, code);
    const program = ts.createProgram([file], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: { seqtune: [join(root, 'src', 'index.ts')] },
    });
    const problems = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);

    const seqtune = JSON.stringify(join(root, 'src', 'index.ts'));
    writeFileSync(file, code.replace(`'seqtune'`, seqtune).replace('epochs: 50', 'epochs: 2'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: root });
    assert.equal(run.stderr, '');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^\[ [\d.e-]+, [\d.e-]+ \] \[ [\d.e-]+, [\d.e-]+ \] \[ [\d.e-]+, [\d.e-]+ \]\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
