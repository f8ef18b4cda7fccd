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
  // One memory for the engines of a training run's threads (src/train/threads): shared, so declared with its
  // maximum (4 GiB, what a 32-bit memory can address).
  '--sharedMemory',
  '--maximumMemory',
  '65536',
];
const builds = [
  { out: 'dist/engine/kernels.relaxed.wasm', flags: ['--enable', 'simd,relaxed-simd,threads'] },
  { out: 'dist/engine/kernels.simd.wasm', flags: ['--enable', 'simd,threads', '--disable', 'relaxed-simd'] },
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
