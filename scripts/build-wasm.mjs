// Compiles the AssemblyScript kernels twice: with relaxed SIMD (fused multiply-add) and with
// plain 128-bit SIMD as the fallback for engines that cannot validate relaxed SIMD.

import { mkdirSync } from 'node:fs';
import { main } from 'assemblyscript/asc';

const entry = 'src/engine/assembly/index.ts';
mkdirSync('dist/engine', { recursive: true });
const common = [
  '--runtime',
  'stub',
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--initialMemory',
  '16',
  '--noExportMemory',
];
const builds = [
  { out: 'dist/engine/kernels.relaxed.wasm', flags: ['--enable', 'simd,relaxed-simd'] },
  { out: 'dist/engine/kernels.simd.wasm', flags: ['--enable', 'simd', '--disable', 'relaxed-simd'] },
];
for (const b of builds) {
  const { error, stderr } = await main([entry, '-o', b.out, ...common, ...b.flags, '--importMemory']);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${b.out} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: wrote ${b.out}`);
}
