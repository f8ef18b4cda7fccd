// npm run lint: Biome's formatter and linter over every TypeScript file (src, test, scripts, bench)
// and the JSON configs, then the type checker over the same files (tsconfig.check.json).
// `npm run lint -- --fix` (or `npm run format`) rewrites the files instead of reporting them.
//
// The AssemblyScript kernels (src/engine/assembly) put decorators on functions (`@inline`), which
// Biome's TypeScript parser rejects; they are formatted through Biome's stdin mode with
// `formatWithErrors` (biome.json) and compared here, and type-checked by asc at build time.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const fix = process.argv.includes('--fix');
const ASM = 'src/engine/assembly';
const biome = join('node_modules', '@biomejs', 'biome', 'bin', 'biome');
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...opts });

const top = ['test', 'scripts', 'bench', 'bin', 'biome.json', 'package.json', 'tsconfig.json', 'tsconfig.check.json'];
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

const tsc = run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json']);
failed ||= tsc.status !== 0;
if (failed) process.exit(1);
console.log('lint: formatted, lint-clean and type-checked');
