// The package as a user installs it (npm install seqtune into a project of their own): what it depends on and what
// its tarball holds. A user's install runs every dependency's install scripts, so a dependency the shipped code never
// imports costs them its download and its scripts (onnxruntime-node's fetches CUDA libraries from nuget.org and, with
// no route there, failed the whole install).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
};

/** The .ts files under dir (the AssemblyScript kernels left out: they compile to the shipped .wasm). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return p.endsWith(join('engine', 'assembly')) ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The npm packages a source file imports (`node:` built-ins left out), by package name, as TypeScript reads them. */
function packagesImported(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

test("the dependencies are exactly the packages the shipped code (src/, bin/) imports; the tests' are dev ones", () => {
  const files = [...sources(join(root, 'src')), join(root, 'bin', 'seqtune.js')];
  const imported = new Set(files.flatMap(packagesImported));
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), [...imported].sort());
});

test('the source maps the package ships hold their sources: src/ is not shipped, and maps naming it mislead', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  assert.ok(config);
  const shipsSources = pkg.files.some((f) => f === 'src' || f.startsWith('src/'));
  if (config.options.sourceMap && !shipsSources) assert.equal(config.options.inlineSources, true);
});

let packedOnce: Set<string> | undefined;
/** The files `npm pack` puts in the tarball (package.json `files`, with what npm always adds), by path. */
function packedFiles(): Set<string> {
  if (packedOnce) return packedOnce;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [packed] = JSON.parse(out) as [{ files: { path: string }[] }];
  packedOnce = new Set(packed.files.map((f) => f.path));
  return packedOnce;
}

test('every relative link of the Markdown files the package ships leads to a file it ships', () => {
  const packed = packedFiles();
  const docs = [...packed].filter((f) => f.endsWith('.md'));
  assert.ok(docs.includes('README.md'));
  const missing = docs.flatMap((doc) =>
    [...readFileSync(join(root, doc), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((link) => !/^[a-z]+:/i.test(link))
      .map((link) => normalize(join(dirname(doc), link)))
      .filter((file) => !packed.has(file))
      .map((file) => `${doc} -> ${file}`),
  );
  assert.deepEqual(missing, []);
});

test('npm run build in a checkout without its dev dependencies (npm install /path/to/it) says what to run', () => {
  assert.match(pkg.scripts.build!, /^node scripts\/build-tools\.mjs && /);
  const script = join(root, 'scripts', 'build-tools.mjs');
  assert.equal(spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8' }).status, 0);
  const bare = mkdtempSync(join(tmpdir(), 'seqtune checkout '));
  try {
    copyFileSync(join(root, 'package.json'), join(bare, 'package.json'));
    const run = spawnSync(process.execPath, [script], { cwd: bare, encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "seqtune: npm run build (which npm runs as prepare when it installs a checkout's folder) needs the dev " +
        'dependencies, and assemblyscript, typescript, @types/node, vite, uplot are not installed in ' +
        `${bare}: run npm install there first, or install a built package ` +
        '(npm pack there, then npm install the .tgz)\n',
    );
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('the tarball holds what an installed package runs: the command, every export, the kernels, the dashboard', (t) => {
  if (!existsSync(join(root, 'dist', 'web', 'index.html'))) return t.skip('dist/ is not built (npm run build)');
  const packed = packedFiles();
  const page = readFileSync(join(root, 'dist', 'web', 'index.html'), 'utf8');
  const assets = [...page.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `dist/web/${m[1]}`);
  assert.ok(assets.length >= 2, 'dist/web/index.html loads its script and style');
  const needed = [
    ...Object.values(pkg.bin),
    ...Object.values(pkg.exports).flatMap((e) => [e.types, e.default]),
    'dist/engine/kernels.relaxed.wasm',
    'dist/engine/kernels.simd.wasm',
    'dist/web/index.html',
    ...assets,
    'docs/config.md',
  ].map((f) => normalize(f));
  assert.deepEqual(
    needed.filter((f) => !packed.has(f)),
    [],
  );
  assert.deepEqual(
    [...packed].filter((f) => /^(src|test|scripts|bench|examples|web)\/|\.test\.|\.tsbuildinfo$/.test(f)),
    [],
  );
});

test('npm run build:ts removes what tsc wrote for a source since removed, which npm pack would ship', () => {
  assert.match(pkg.scripts['build:ts']!, /^node scripts\/dist-orphans\.mjs && tsc /);
  const checkout = mkdtempSync(join(tmpdir(), 'seqtune-dist-'));
  try {
    const kept = ['src/tune/loop.ts', 'dist/tune/loop.js', 'dist/tune/loop.d.ts', 'dist/tune/loop.js.map'];
    const web = ['dist/web/index.html', 'dist/web/assets/index-x.js', 'dist/engine/kernels.simd.wasm'];
    const gone = ['dist/tune/study-trials.js', 'dist/tune/study-trials.d.ts', 'dist/tune/study-trials.js.map'];
    for (const f of [...kept, ...web, ...gone]) {
      mkdirSync(join(checkout, dirname(f)), { recursive: true });
      writeFileSync(join(checkout, f), '');
    }
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'dist-orphans.mjs')], {
      cwd: checkout,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      [...kept, ...web, ...gone].filter((f) => existsSync(join(checkout, f))),
      [...kept, ...web],
    );
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
});
