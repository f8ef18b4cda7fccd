// Tuning throughput with the cores spent two ways (issue 17): trials side by side (jobs 2, threads 1) against
// one trial at a time on every core (jobs 1, threads 2), on the demo study of bench-tuning.ts (the demo's config
// and series, a grid of 9 over units and learning rate, SQLite). Each round runs `seqtune tune` (the built command:
// `npm run build:ts` first) on a fresh study; the figure is trials completed over the command's wall time.
//
//   node --import tsx scripts/bench-study-threads.ts [--trials 9] [--ways 2x1,1x2]   (jobs x threads)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { syntheticCsv } from '../src/data/index.js';
import { DEMO_CONFIG } from '../src/run/index.js';
import { openStorage } from '../src/storage/index.js';

const bin = resolve(import.meta.dirname, '..', 'bin', 'seqtune.js');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const trials = Number(arg('--trials', '9'));
const ways = arg('--ways', '2x1,1x2')
  .split(',')
  .map((w) => w.split('x').map(Number) as [number, number]);

const tuneSection = (db: string) => `tune:
  strategy: grid
  trials: ${trials}
  storage: sqlite:${db}
  space:
    model.layers[0].gru.units: [16, 32, 64]
    train.optimizer.adam.learning_rate: [0.001, 0.003, 0.01]
`;

async function round(jobs: number, threads: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-threads-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 2400, seed: 7 }));
    const db = join(dir, 'demo.db');
    const f = join(dir, 'demo.yaml');
    writeFileSync(f, `${DEMO_CONFIG}${tuneSection(db)}`);
    const load = loadavg()[0]!.toFixed(1);
    const t0 = performance.now();
    const args = [bin, 'tune', f, '--jobs', String(jobs), '--threads', String(threads), '--out', join(dir, 'runs')];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`seqtune tune: exit ${r.status}: ${r.stderr}`);
    const hours = (performance.now() - t0) / 3.6e6;
    const s = openStorage(`sqlite:${db}`);
    const done = (await s.getTrials('demo')).filter((t) => t.state === 'complete');
    await s.close();
    const secs = done.map((t) => (Date.parse(t.finished!) - Date.parse(t.started)) / 1000);
    const mean = secs.reduce((a, b) => a + b, 0) / Math.max(1, secs.length);
    const cells = [jobs, threads, done.length, (hours * 3600).toFixed(1), (done.length / hours).toFixed(0)];
    return `| ${[...cells, mean.toFixed(2), load].join(' | ')} |`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`demo study, grid, ${trials} trials, seqtune tune --jobs J --threads T (SQLite)`);
console.log('| jobs | threads | trials | wall s | trials/hour | s/trial | load (1 min) at start |');
console.log('|---|---|---|---|---|---|---|');
for (const [jobs, threads] of ways) console.log(await round(jobs, threads));
