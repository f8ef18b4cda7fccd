// npm run build:ts's first step: removes what tsc wrote into dist/ for a source that is gone (a file of src/ removed
// or renamed since the last build). tsc only writes, so those stayed, and npm pack ships the whole of dist/: a
// package with modules that no source makes any more. dist/web (Vite's, which empties it itself) and the kernels
// (dist/engine/*.wasm) are not tsc's and are left alone. The folder is the current one (npm runs scripts there).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const TSC_OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

/** The files under dir, web/ of dist left out. */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === join('dist', 'web')) return [];
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

if (existsSync('dist')) {
  const orphans = files('dist').filter((file) => {
    if (!TSC_OUTPUT.test(file)) return false;
    const source = join('src', relative('dist', file).replace(TSC_OUTPUT, '.ts'));
    return !existsSync(source);
  });
  for (const file of orphans) rmSync(file);
  if (orphans.length > 0) {
    const n = orphans.length === 1 ? '1 file' : `${orphans.length} files`;
    console.log(`dist-orphans: removed ${n} whose source is gone: ${orphans.join(', ')}`);
  }
}
