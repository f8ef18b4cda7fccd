// npm run bench:linear [-- --rows] : the ridge baseline (the `linear` row of every metrics table) on ETTm1-sized data:
// 7 series of 69,677 rows (ETTh1 from ../shared/datasets, linearly interpolated to 15-minute steps: ETTm1's length;
// ETTm1 itself is not in shared/datasets), the ETTm1 split (train [0, 34560), val [34560, 46080)), lookback 96,
// horizon 96, standard scaling; 34,369 training windows of 672 inputs. Four cases: target OT or all 7 series,
// absolute or relative (data.relative). With --rows the Gram sums are taken row by row (the path before issue 16's
// item 4) to compare; lambda is chosen by the eigendecomposition either way. CPU seconds are printed next to wall
// seconds: on a shared machine they move less with the load.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fitRidge, prepareData } from '../src/data/index.js';
import { windowDesign } from '../src/data/linear.js';

const src = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'ETTh1.csv');
if (!existsSync(src)) {
  console.log(`bench:linear: ${src} is not here; nothing to measure`);
  process.exit(0);
}
const rows = process.argv.includes('--rows');
const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-linear-'));
try {
  const lines = readFileSync(src, 'utf8').trim().split('\n');
  const out = [lines[0]!];
  const t0 = Date.parse('2016-07-01T00:00:00Z');
  for (let i = 1; i + 1 < lines.length; i++) {
    const [a, b] = [lines[i]!, lines[i + 1]!].map((l) => l.split(',').slice(1).map(Number));
    for (let q = 0; q < 4; q++) {
      const date = new Date(t0 + (4 * (i - 1) + q) * 900_000).toISOString().slice(0, 19).replace('T', ' ');
      out.push([date, ...a!.map((x, k) => (x + ((b![k]! - x) * q) / 4).toFixed(6))].join(','));
    }
  }
  const csv = join(dir, 'ettm1-sized.csv');
  writeFileSync(csv, `${out.join('\n')}\n`);
  const features = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'];
  for (const target of [['OT'], features])
    for (const relative of [false, true]) {
      const spec = { csv, time: 'date', features, target, lookback: 96, horizon: 96, scale: 'standard' as const };
      const split = { train: [0, 34560], val: [34560, 46080], test: [46080, 57600] } as never;
      const d = await prepareData({ ...spec, split, relative }, csv);
      const [tr, va] = (['train', 'val'] as const).map((s) => windowDesign(d, s, 96, true));
      const plain = (x: typeof tr) => (rows ? { ...x!, lagged: undefined } : x!);
      const start = performance.now(),
        cpu = process.cpuUsage();
      const m = fitRidge(plain(tr), plain(va));
      const wall = (performance.now() - start) / 1000;
      const s = `${wall.toFixed(2)} s wall, ${(process.cpuUsage(cpu).user / 1e6).toFixed(2)} s cpu`;
      const what = `target ${target.length === 1 ? 'OT' : 'all 7'}, ${relative ? 'relative' : 'absolute'}`;
      console.log(`${what}: ${tr!.rows} windows x ${tr!.inputs} inputs -> ${tr!.outputs}: fit ${s} (alpha ${m.alpha})`);
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
