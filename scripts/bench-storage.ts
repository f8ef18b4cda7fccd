// npm run bench:storage: storage throughput with simulated workers (no training): each worker claims a trial
// (creates it with an owner, under the storage's lock), reports 20 epochs and finishes it, until the study holds
// TRIALS trials. Reports claim / report / finish throughput and p50/p99 latency, and checks that no trial number
// was used twice and nothing was lost. PostgreSQL: 1, 8, 64 and 256 workers, one connection each, in this process
// (a private cluster from scripts/pg-cluster.mjs unless SEQTUNE_BENCH_PG names a server). SQLite: 8 processes
// on one file. Then real tuning throughput on the demo study with 1 and 2 `seqtune worker` processes
// (bench-tuning.ts; the built command: `npm run build:ts` first; --tuning-trials N, 0 to leave it out).
//
//   npm run bench:storage [-- --trials 400 --tuning-trials 6]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, PgStorage, type Storage } from '../src/storage/index.js';
import { benchTuning } from './bench-tuning.js';

const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const TRIALS = arg('trials', 400);
const EPOCHS = 20;

interface Times {
  claim: number[];
  report: number[];
  finish: number[];
}

async function timed<T>(into: number[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  into.push(performance.now() - t0);
  return r;
}

/** One simulated worker: claim, 20 reports, finish, until the study has `total` trials. */
async function work(s: Storage, study: string, id: number, total: number, t: Times): Promise<number> {
  let done = 0;
  for (;;) {
    const trial = await timed(t.claim, () =>
      s.createTrial(study, { w: id, k: done }, {}, { owner: { host: 'bench', pid: process.pid, worker: id } }),
    );
    if (trial.number >= total) {
      await s.finishTrial(study, trial.number, 'pruned', null); // one over the budget: ended, not counted
      return done;
    }
    for (let e = 0; e < EPOCHS; e++) await timed(t.report, () => s.report(study, trial.number, e, 1 / (e + 1)));
    await timed(t.finish, () => s.finishTrial(study, trial.number, 'complete', 0.05));
    done++;
  }
}

const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const line = (label: string, workers: number, secs: number, t: Times, ok: string) => {
  const f = (a: number[]) => `${(a.length / secs).toFixed(0)}/s ${pct(a, 50).toFixed(1)}/${pct(a, 99).toFixed(1)}`;
  const cells = [label, workers, f(t.claim), f(t.report), f(t.finish), (TRIALS / secs).toFixed(1), ok];
  return `| ${cells.join(' | ')} |`;
};

async function check(s: Storage, study: string): Promise<string> {
  const all = await s.getTrials(study);
  const nums = new Set(all.map((x) => x.number));
  const complete = all.filter((x) => x.state === 'complete');
  const full = complete.every((x) => x.intermediate.length === EPOCHS);
  return nums.size === all.length && complete.length === TRIALS && full ? 'ok' : `LOST OR TWICE (${complete.length})`;
}

async function pgRound(url: string, workers: number): Promise<string> {
  const study = `bench-${workers}`;
  const admin = new PgStorage(url);
  await admin.createStudy(study, {});
  const conns = Array.from({ length: workers }, () => new PgStorage(url, { max: 1 }));
  const t: Times = { claim: [], report: [], finish: [] };
  const t0 = performance.now();
  await Promise.all(conns.map((s, i) => work(s, study, i, TRIALS, t)));
  const secs = (performance.now() - t0) / 1000;
  const ok = await check(admin, study);
  await Promise.all([admin, ...conns].map((s) => s.close()));
  return line('PostgreSQL', workers, secs, t, ok);
}

async function sqliteRound(procs: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-'));
  const url = `sqlite:${join(dir, 'b.db')}`;
  const s = openStorage(url);
  await s.createStudy('bench', {});
  const t0 = performance.now();
  const outs = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', process.argv[1]!, '--child', url, String(i), '--trials', String(TRIALS)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      c.stdout.on('data', (d) => {
        out += d;
      });
      return new Promise<Times>((res) => c.on('exit', () => res(JSON.parse(out))));
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const t: Times = { claim: [], report: [], finish: [] };
  for (const o of outs) for (const k of ['claim', 'report', 'finish'] as const) t[k].push(...o[k]);
  const ok = await check(s, 'bench');
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  return line('SQLite (processes)', procs, secs, t, ok);
}

if (process.argv[2] === '--child') {
  const s = openStorage(process.argv[3]!);
  const t: Times = { claim: [], report: [], finish: [] };
  await work(s, 'bench', Number(process.argv[4]), TRIALS, t);
  await s.close();
  process.stdout.write(JSON.stringify(t));
} else {
  // @ts-expect-error -- a plain .mjs script without types
  const { startCluster, stopCluster } = await import('./pg-cluster.mjs');
  const cluster = process.env.SEQTUNE_BENCH_PG ? null : await startCluster();
  const url = process.env.SEQTUNE_BENCH_PG ?? cluster.url;
  console.log(`${TRIALS} trials, ${EPOCHS} reports each; per operation: throughput, p50/p99 latency in ms`);
  console.log('| storage | workers | claim | report | finish | trials/s | check |\n|---|---|---|---|---|---|---|');
  try {
    for (const w of [1, 8, 64, 256]) console.log(await pgRound(url, w));
  } finally {
    if (cluster) stopCluster(cluster.dir);
  }
  console.log(await sqliteRound(8));
  const tuning = arg('tuning-trials', 6);
  if (tuning > 0) await benchTuning(tuning);
}
