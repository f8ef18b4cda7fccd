// npm test: every test/**/*.test.ts under Node's own test runner (through tsx), after making sure
// the kernels are built. Extra arguments are passed through (e.g. a file to run alone).
// The PostgreSQL tests use the server SEQTUNE_TEST_PG names (.ci/run starts one); without it, a private cluster is
// started here when this machine can (root, Debian's binaries: scripts/pg-cluster.mjs) and stopped at the end;
// otherwise those tests skip with a message (or fail, with CI set).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cannotStart, startCluster, stopCluster } from './pg-cluster.mjs';

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
// Tests write only into temporary folders: what the run adds to the checkout (runs/, a *.db, any stray file,
// ignored or not) fails the suite. Outside a git checkout there is nothing to compare.
function strays() {
  const ls = (extra) =>
    spawnSync('git', ['ls-files', '--others', '--exclude-standard', '--directory', ...extra], { encoding: 'utf8' });
  const a = ls([]),
    b = ls(['--ignored']);
  if (a.status !== 0 || b.status !== 0) return null;
  return new Set(`${a.stdout}${b.stdout}`.split('\n').filter(Boolean));
}
const before = strays();
let cluster = null;
if (!process.env.SEQTUNE_TEST_PG && !cannotStart()) {
  try {
    cluster = await startCluster();
    process.env.SEQTUNE_TEST_PG = cluster.url;
    process.on('exit', () => stopCluster(cluster.dir));
    for (const s of ['SIGINT', 'SIGTERM']) process.once(s, () => process.exit(130));
  } catch (e) {
    console.error(`run-tests: ${e.message}; the PostgreSQL tests will skip`);
  }
}
const args = process.argv.slice(2);
const files = args.length ? args : find('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
const after = strays();
const added = before && after ? [...after].filter((f) => !before.has(f)) : [];
if (added.length) {
  console.error(
    `run-tests: the tests wrote into the checkout (they must use temporary folders):\n  ${added.join('\n  ')}`,
  );
  process.exit(1);
}
process.exit(r.status ?? 1);
