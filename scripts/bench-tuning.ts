// Real tuning throughput (trials per hour) on the demo study: the demo's config and synthetic series (seqtune demo)
// with a grid over units and learning rate, run by 1 and then 2 `seqtune worker` processes (one job each) on a
// fresh SQLite study made by `seqtune study create`. Each round stops at the study's trial budget; the figure is
// trials finished divided by the wall time from the workers' start to the last one's exit. Uses the built command
// (bin/seqtune.js: `npm run build:ts` first). Called by bench-storage.ts (npm run bench:storage), or alone:
//
//   node --import tsx scripts/bench-tuning.ts [--tuning-trials 6]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { syntheticCsv } from '../src/data/index.js';
import { DEMO_CONFIG } from '../src/run/index.js';
import { openStorage } from '../src/storage/index.js';

const bin = resolve(import.meta.dirname, '..', 'bin', 'seqtune.js');

const tuneSection = (db: string, trials: number) => `tune:
  strategy: grid
  trials: ${trials}
  jobs: 1
  storage: sqlite:${db}
  space:
    model.layers[0].gru.units: [16, 32, 64]
    train.optimizer.adam.learning_rate: [0.001, 0.003, 0.01]
`;

/** `seqtune ARGS...` (the built command); resolves with its exit code, rejects with its stderr on failure. */
function seqtune(args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`seqtune ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** One round: a fresh study, `workers` worker processes; trials per hour and the mean seconds of a trial. */
async function round(workers: number, trials: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-tune-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 2400, seed: 7 }));
    const db = join(dir, 'demo.db');
    const f = join(dir, 'demo.yaml');
    writeFileSync(f, `${DEMO_CONFIG}${tuneSection(db, trials)}`);
    const made = spawnSync(process.execPath, [bin, 'study', 'create', f], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`study create: ${made.stderr}`);
    const load = loadavg()[0]!.toFixed(1);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: workers }, () => seqtune(['worker', '--storage', `sqlite:${db}`, '--study', 'demo'])),
    );
    const hours = (performance.now() - t0) / 3.6e6;
    const s = openStorage(`sqlite:${db}`);
    const all = await s.getTrials('demo');
    await s.close();
    const done = all.filter((t) => t.state === 'complete');
    const secs = done.map((t) => (Date.parse(t.finished!) - Date.parse(t.started)) / 1000);
    const mean = secs.reduce((a, b) => a + b, 0) / Math.max(1, secs.length);
    const owners = new Set(done.map((t) => t.owner)).size;
    const cells = [workers, done.length, (hours * 3600).toFixed(0), (done.length / hours).toFixed(0), mean.toFixed(1)];
    return `| ${[...cells, owners, load].join(' | ')} |`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTuning(trials: number): Promise<void> {
  console.log(`\nreal tuning on the demo study (grid, ${trials} trials, one job per worker process, SQLite)`);
  console.log(
    '| workers | trials | wall s | trials/hour | s/trial | processes that ran trials | load (1 min) at start |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const w of [1, 2]) console.log(await round(w, trials));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--tuning-trials');
  await benchTuning(i > 0 ? Number(process.argv[i + 1]) : 6);
}
