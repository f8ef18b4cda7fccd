// The processor a benchmark ran on, in one line: "AMD EPYC (x64 family 26 model 2; avx512f, avx2, fma), 2
// logical CPUs". lscpu's model name alone is not enough: the Zen 3 and Zen 5 machines we bench on both say "AMD EPYC",
// and one has 512-bit vector units where the other has 256-bit ones (PyTorch's OpenBLAS uses them; WebAssembly cannot).
import { readFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';

export function processor(): string {
  const n = cpus().length;
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return `${cpus()[0]?.model ?? 'unknown processor'} (${arch()}), ${n} logical CPUs`; // not Linux
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
  const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  const vector = ['avx512f', 'avx2', 'fma', 'asimd', 'sve'].filter((f) => flags.has(f));
  const family = field('cpu family'),
    model = field('model');
  const id = family !== undefined ? `family ${family} model ${model}` : '';
  const details = [[arch(), id].filter(Boolean).join(' '), vector.join(', ')].filter(Boolean).join('; ');
  return `${field('model name') ?? cpus()[0]?.model ?? 'unknown processor'} (${details}), ${n} logical CPUs`;
}
