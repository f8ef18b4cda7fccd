// npm run bench:linear [-- --rows | --wide P] : the ridge baseline (the `linear` row of every metrics table) on
// ETTm1-sized data: 7 series of 69,677 rows (ETTh1 from ../shared/datasets, linearly interpolated to 15-minute steps:
// ETTm1's length; ETTm1 itself is not in shared/datasets), the ETTm1 split (train [0, 34560), val [34560, 46080)),
// lookback 96, horizon 96, standard scaling; 34,369 training windows of 672 inputs. Four cases: target OT or all 7
// series, absolute or relative (data.relative). With --rows the Gram sums are taken row by row (the path before issue
// 16's item 4) to compare; lambda is chosen on the tridiagonal form either way (linear-path.ts). CPU seconds are
// printed next to wall seconds: on a shared machine they move less with the load. With --wide P: one fit over P inputs
// instead, a lookback of P on the synthetic series (syntheticSeries, seed 3) of max(6000, 3 P) rows, horizon 500, the
// default split.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fitRidge, prepareData } from '../src/data/index.js';
import { windowDesign } from '../src/data/linear.js';
import { syntheticCsv } from '../src/data/synthetic.js';

/** One fit of prepared data's ridge at its lookback, timed: a line with its shape and CPU and wall seconds. */
async function timedFit(d: Awaited<ReturnType<typeof prepareData>>, lookback: number, rows: boolean): Promise<string> {
  const [tr, va] = (['train', 'val'] as const).map((s) => windowDesign(d, s, lookback, true));
  const plain = (x: typeof tr) => (rows ? { ...x!, lagged: undefined } : x!);
  const start = performance.now(),
    cpu = process.cpuUsage();
  const m = fitRidge(plain(tr), plain(va));
  const wall = (performance.now() - start) / 1000;
  const s = `${wall.toFixed(2)} s wall, ${(process.cpuUsage(cpu).user / 1e6).toFixed(2)} s cpu`;
  const shape = `${tr!.rows} windows x ${tr!.inputs} inputs -> ${tr!.outputs} (${va!.rows} validation)`;
  return `${shape}: fit ${s} (alpha ${m.alpha})`;
}

/** --wide P: one fit over P inputs of the synthetic series. */
async function wideFit(dir: string, P: number): Promise<void> {
  const csv = join(dir, 'wide.csv');
  writeFileSync(csv, syntheticCsv({ length: Math.max(6000, 3 * P), seed: 3 }));
  const d = await prepareData({ csv, time: 'time', target: 'value', lookback: P, horizon: 500 }, csv);
  console.log(`lookback ${P}, horizon 500: ${await timedFit(d, P, false)}`);
}

/** The four ETTm1-sized fits. */
async function ettFits(dir: string, src: string, rows: boolean): Promise<void> {
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
      const what = `target ${target.length === 1 ? 'OT' : 'all 7'}, ${relative ? 'relative' : 'absolute'}`;
      console.log(`${what}: ${await timedFit(d, 96, rows)}`);
    }
}

const src = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'ETTh1.csv');
const wide = process.argv.indexOf('--wide');
const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-linear-'));
try {
  if (wide > 0) await wideFit(dir, Number(process.argv[wide + 1]));
  else if (!existsSync(src)) console.log(`bench:linear: ${src} is not here; nothing to measure`);
  else await ettFits(dir, src, process.argv.includes('--rows'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
