// npm test: every test/**/*.test.ts under Node's own test runner (through tsx), after making sure
// the kernels are built. Extra arguments are passed through (e.g. a file to run alone).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

if (!existsSync('dist/engine/kernels.relaxed.wasm') || !existsSync('dist/engine/kernels.simd.wasm')) {
  const b = spawnSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
function find(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? find(p) : n.endsWith('.test.ts') ? [p] : [];
  });
}
const args = process.argv.slice(2);
const files = args.length ? args : find('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
