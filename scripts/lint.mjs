// npm run lint: Biome's formatter and linter over every TypeScript file (src, test, scripts, bench)
// and the JSON configs, then the type checker over the same files (tsconfig.check.json).
// `npm run lint -- --fix` (or `npm run format`) rewrites the files instead of reporting them.
// Last, it checks that src/ has no import cycles (see importCycles below) and no function longer than
// MAX_FUNCTION_LINES lines outside LONG_FUNCTION_EXCEPTIONS (see longFunctions below), and that no line of the
// TypeScript/JavaScript files in src/ (the AssemblyScript kernels too), test/, scripts/ and bench/ is longer than
// MAX_LINE characters, test titles excepted (see longLines below).
//
// The AssemblyScript kernels (src/engine/assembly) put decorators on functions (`@inline`), which
// Biome's TypeScript parser rejects; they are formatted through Biome's stdin mode with
// `formatWithErrors` (biome.json) and compared here, and type-checked by asc at build time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const fix = process.argv.includes('--fix');
// A function in src/ (declaration, method, arrow or function expression, from its first line to its last,
// doc comment not counted) longer than this is split into named steps, or listed below with its reason.
const MAX_FUNCTION_LINES = 60;
// 'file:name' (a method is 'Class.method') -> why it stays long.
const FUSED = 'a fused kernel: one pass over the units per timestep, all gates in registers (STYLE 5, measured)';
const LONG_FUNCTION_EXCEPTIONS = {
  'src/engine/assembly/lstm.ts:lstm_fwd_step': FUSED,
  'src/engine/assembly/gru.ts:gru_fwd_step': FUSED,
  'src/engine/assembly/gru.ts:gru_bwd_step': FUSED,
  'src/engine/assembly/gemm.ts:pack_b': 'the GEMM panel packing: one loop nest per case of a full or ragged panel',
  'src/engine/float64.ts:dot4x4': 'a register-blocked 4 x 4 Gram kernel: its sixteen sums are locals, one per line',
};
// Biome's formatter keeps lines to 120 columns (biome.json) but cannot break a long string, template or
// comment; those are split by hand (concatenated pieces, reflowed comments) and this check keeps them so.
const MAX_LINE = 120;
const LINE_CHECKED = ['src', 'test', 'scripts', 'bench', 'web/src'];
const ASM = 'src/engine/assembly';
const biome = join('node_modules', '@biomejs', 'biome', 'bin', 'biome');
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...opts });

const top = [
  'test',
  'scripts',
  'bench',
  'bin',
  'web',
  'biome.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.check.json',
];
const src = readdirSync('src').flatMap((n) =>
  n === 'engine'
    ? readdirSync('src/engine').flatMap((m) => (m === 'assembly' ? [] : [`src/engine/${m}`]))
    : [`src/${n}`],
);
let failed = false;
const b = run(process.execPath, [biome, fix ? 'check' : 'ci', ...(fix ? ['--write'] : []), ...src, ...top]);
failed ||= b.status !== 0;

const unformatted = [];
for (const name of readdirSync(ASM).filter((n) => n.endsWith('.ts'))) {
  const file = `${ASM}/${name}`;
  const text = readFileSync(file, 'utf8');
  const r = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${file}`], {
    input: text,
    encoding: 'utf8',
  });
  if (r.status !== 0 || r.stdout === '') {
    console.error(`lint: biome could not format ${file}:\n${r.stderr}`);
    failed = true;
  } else if (r.stdout !== text) {
    if (fix) writeFileSync(file, r.stdout);
    else unformatted.push(file);
  }
}
if (unformatted.length) {
  console.error(`lint: not formatted (npm run format rewrites them):\n  ${unformatted.join('\n  ')}`);
  failed = true;
}

const cycles = importCycles('src', [ASM]);
if (cycles.length) {
  console.error(`lint: import cycles in src/ (arrows must point one way; move what both sides need down):`);
  for (const { path, rest } of cycles)
    console.error(`  ${path.join(' -> ')}${rest.length ? `  (also in this knot: ${rest.join(', ')})` : ''}`);
  failed = true;
}

const long = longFunctions('src', [], MAX_FUNCTION_LINES);
const tooLong = long.filter((f) => !(f.key in LONG_FUNCTION_EXCEPTIONS));
if (tooLong.length) {
  console.error(
    `lint: functions over ${MAX_FUNCTION_LINES} lines in src/ (split them into named steps, or add 'file:name' ` +
      'with the reason to LONG_FUNCTION_EXCEPTIONS in scripts/lint.mjs):',
  );
  for (const f of tooLong) console.error(`  ${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
  failed = true;
}
const stale = Object.keys(LONG_FUNCTION_EXCEPTIONS).filter((k) => !long.some((f) => f.key === k));
if (stale.length)
  console.log(
    `lint: no longer over ${MAX_FUNCTION_LINES} lines, drop from LONG_FUNCTION_EXCEPTIONS: ${stale.join(', ')}`,
  );

const overLong = LINE_CHECKED.flatMap((dir) => longLines(dir, [], MAX_LINE));
if (overLong.length) {
  console.error(
    `lint: lines over ${MAX_LINE} characters (split the string into concatenated pieces or reflow the comment; ` +
      'the resulting text must stay the same):',
  );
  for (const l of overLong) console.error(`  ${l.file}:${l.line}:${l.length}`);
  failed = true;
}

const tsc = run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json']);
failed ||= tsc.status !== 0;
// the dashboard's front end (web/) is checked against the browser's types, not Node's
const web = run(process.execPath, [
  join('node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  join('web', 'tsconfig.json'),
]);
failed ||= web.status !== 0;
if (failed) process.exit(1);
console.log('lint: formatted, lint-clean and type-checked');

// Lines longer than `max` characters (UTF-16 code units, as `.length` counts) in the TypeScript and JavaScript
// files under `root`, `skip` and node_modules left out: file (as given, with `root`), 1-based line and length.
// Under test/ a line whose only content is a test's opening with its title, `test('...', () => {` (any quote,
// async or not), is allowed: a title is the test's name, and splitting it makes Biome re-indent the whole body.
function longLines(root, skip, max) {
  const out = [];
  const title = /^\s*test\((?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`),\s*(?:async\s*)?\(\)\s*=>\s*\{$/;
  const walk = (dir) => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (skip.includes(p) || n === 'node_modules') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.[cm]?[jt]s$/.test(n)) {
        const lines = readFileSync(p, 'utf8').split(/\r?\n/);
        lines.forEach((l, i) => {
          if (l.length > max && !(root === 'test' && title.test(l)))
            out.push({ file: p, line: i + 1, length: l.length });
        });
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

// Functions of the TypeScript files under `root` longer than `max` lines: file (as given, with `root`),
// 1-based line, name, length and the key LONG_FUNCTION_EXCEPTIONS uses. A function's length runs from
// its first token (a doc comment before it is not counted) to its closing line, nested functions
// included; a nested function is measured on its own too. Names: a declaration's or method's own (a
// method as Class.method), else the variable or property it is assigned to, else (anonymous).
function longFunctions(root, skip, max) {
  const out = [];
  const walk = (dir) => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (skip.includes(p)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) measure(p);
    }
  };
  const nameOf = (node) => {
    const own = node.name?.getText();
    if (own && (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node))) {
      const cls = node.parent && ts.isClassLike(node.parent) ? node.parent.name?.getText() : undefined;
      return cls ? `${cls}.${own}` : own;
    }
    if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.getText() ?? '(anonymous)'}.constructor`;
    if (own) return own;
    const p = node.parent;
    if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)))
      return p.name.getText();
    return '(anonymous)';
  };
  const measure = (file) => {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > max) {
          const name = nameOf(node);
          out.push({ file, line: first + 1, name, lines, key: `${file}:${name}` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  };
  walk(root);
  return out;
}

// The import graph of `root`: an edge for every relative `import ... from`, `import type ... from`,
// `export ... from`, side-effect `import '...'` and `import('...')` of a .ts file, type-only or not,
// since a type import is an arrow too. Biome's noImportCycles (biome.json, ignoreTypes off) checks
// most of the same; this one does not depend on Biome's options or version and also follows
// `import('...')` type queries, which Biome 2.6 does not. Returns one cycle per strongly connected
// component of more than one file (Tarjan): `path` ends where it starts, `rest` are the component's
// other files. Paths are relative to `root`.
function importCycles(root, skip) {
  const files = [];
  const walk = (dir) => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (skip.includes(p)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(root);
  const known = new Set(files);
  const specs = [
    /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])(\.{1,2}\/[^'"]*)\1/gm,
    /^[ \t]*import\s*(['"])(\.{1,2}\/[^'"]*)\1/gm,
    /\bimport\s*\(\s*(['"])(\.{1,2}\/[^'"]*)\1\s*\)/g,
  ];
  const edges = new Map();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const to = new Set();
    for (const re of specs)
      for (const m of text.matchAll(re)) {
        const target = join(dirname(f), m[2].replace(/\.js$/, '.ts'));
        const hit = [target, `${target}.ts`, join(target, 'index.ts')].find((t) => known.has(t));
        if (hit) to.add(hit);
        else if (!existsSync(target) && !skip.some((s) => target.startsWith(s)))
          console.error(`lint: ${f}: cannot resolve import '${m[2]}' (import graph)`);
      }
    edges.set(f, [...to].sort());
  }
  // Tarjan's strongly connected components, iteratively so deep chains cannot overflow the stack.
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  for (const start of files) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const out = edges.get(v);
      if (i < out.length) {
        frame[1]++;
        const w = out[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const u = work[work.length - 1][0];
        low.set(u, Math.min(low.get(u), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const c = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          c.push(w);
        } while (w !== v);
        if (c.length > 1 || edges.get(v).includes(v)) components.push(c);
      }
    }
  }
  // One concrete cycle per component: the shortest path (breadth first) from its first file back to it.
  return components.map((c) => {
    const inC = new Set(c);
    const first = [...c].sort()[0];
    const prev = new Map();
    const queue = [first];
    let end;
    while (queue.length && !end) {
      const v = queue.shift();
      for (const w of edges.get(v)) {
        if (!inC.has(w)) continue;
        if (w === first) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [first];
    for (let v = end; v !== first; v = prev.get(v)) path.splice(1, 0, v);
    path.push(first);
    const rest = c.filter((f) => !path.includes(f)).sort();
    const show = (f) => relative(root, f);
    return { path: path.map(show), rest: rest.map(show) };
  });
}
