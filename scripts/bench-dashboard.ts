// npm run bench:dashboard: how fast the dashboard shows a big study in headless Chromium, and how soon an epoch
// written to the storage appears on the open page.
//
// 1. A SQLite study of TRIALS trials x EPOCHS epochs (four parameters, a diagnosis, the train/validation history in
//    each trial's attributes, as `seqtune tune` stores them) is written straight into a temporary file.
// 2. Open: from page.goto(#/study/big) until the trials table holds every trial, the curves chart has drawn every
//    epoch of every trial and the history, parallel coordinates and slices are drawn; ROUNDS rounds, each in a fresh
//    page (the first against a dashboard that has read nothing yet).
// 3. Live: a running trial gets one epoch every 300 ms; for each, the time from just before storage.report() until
//    the page has drawn it (the page's own timestamp, taken in the animation frame after the chart's redraw).
//
//   npm run bench:dashboard [-- --trials 5000 --epochs 100 --rounds 3 --epochs-live 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startDashboard } from '../src/dashboard/index.js';
import { SqliteStorage } from '../src/storage/index.js';

const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const TRIALS = arg('trials', 5000);
const EPOCHS = arg('epochs', 100);
const ROUNDS = arg('rounds', 3);
const LIVE = arg('epochs-live', 20);
const PATTERNS = ['learning', 'overfitting', 'underfitting', 'plateau', 'unstable'];

/** A study of TRIALS finished trials, written in one transaction (storage.report() per epoch would take minutes). */
async function makeStudy(file: string): Promise<void> {
  const st = new SqliteStorage(file);
  await st.createStudy('big', { strategy: 'random', objective: 'val_loss' });
  await st.close();
  const db = new Database(file);
  const sid = (db.prepare("SELECT id FROM studies WHERE name = 'big'").get() as { id: number }).id;
  const trial = db.prepare(
    'INSERT INTO trials (study_id, number, state, params, value, attrs, started, finished) ' +
      "VALUES (?, ?, 'complete', ?, ?, ?, ?, ?)",
  );
  const step = db.prepare('INSERT INTO intermediate (trial_id, step, value) VALUES (?, ?, ?)');
  let seed = 1;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  db.transaction(() => {
    for (let n = 0; n < TRIALS; n++) {
      const params = {
        'model.layers[0].gru.units': [16, 32, 64, 128][n % 4],
        'train.optimizer.adam.learning_rate': 10 ** (-4 + 2 * rnd()),
        'train.batch_size': [16, 32, 64][n % 3],
        'model.layers[0].gru.dropout': Math.round(rnd() * 50) / 100,
      };
      const floor = 0.02 + 0.2 * rnd();
      const val = Array.from({ length: EPOCHS }, (_, e) => floor + Math.exp(-e / (5 + 20 * rnd())) + 0.01 * rnd());
      const loss = val.map((v) => v * 0.9);
      const best = Math.min(...val);
      const attrs = { history: { loss, val_loss: val }, diagnosis: { pattern: PATTERNS[n % 5] }, values: [best] };
      const t0 = new Date(Date.UTC(2026, 11, 1) + n * 60000).toISOString();
      const id = trial.run(sid, n, JSON.stringify(params), best, JSON.stringify(attrs), t0, t0).lastInsertRowid;
      for (const [e, v] of val.entries()) step.run(id, e, v);
    }
  })();
  db.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-dash-'));
  try {
    const file = join(dir, 'big.db');
    let t = performance.now();
    await makeStudy(file);
    console.log(
      `study: ${TRIALS} trials x ${EPOCHS} epochs written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const web = join(dir, 'web');
    await build({
      configFile: join(import.meta.dirname, '..', 'web', 'vite.config.mjs'),
      configLoader: 'native',
      build: { outDir: web },
    });
    const d = await startDashboard({ storage: `sqlite:${file}`, port: 0, web });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const opens: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        t = performance.now();
        await page.goto(`${d.url}#/study/big`);
        await page.waitForFunction(
          ([n, pts]) =>
            document.querySelector('#trials')?.getAttribute('data-rows') === String(n) &&
            document.querySelector('#curves-canvas')?.parentElement?.dataset.points === String(pts) &&
            document.querySelector('.slices') !== null,
          [TRIALS, TRIALS * EPOCHS] as const,
          { timeout: 60000, polling: 'raf' },
        );
        opens.push((performance.now() - t) / 1000);
        await page.close();
      }
      console.log(`open (s): ${opens.map((x) => x.toFixed(2)).join(', ')}; median ${median(opens).toFixed(2)}`);

      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${d.url}#/study/big`);
      await page.waitForFunction(
        (n) => document.querySelector('#trials')?.getAttribute('data-rows') === String(n),
        TRIALS,
        {
          timeout: 60000,
        },
      );
      const st = new SqliteStorage(file);
      const running = await st.createTrial('big', { 'train.batch_size': 8 });
      const lags: number[] = [];
      for (let e = 0; e < LIVE; e++) {
        await new Promise((r) => setTimeout(r, 300));
        const written = Date.now();
        await st.report('big', running.number, e, 1 / (e + 1));
        const shown = await page.waitForFunction(
          (step) => {
            const l = (window as unknown as { lastEpoch?: { step: number; drawn: number } }).lastEpoch;
            return l && l.step === step ? l.drawn : null;
          },
          e,
          { timeout: 10000, polling: 'raf' },
        );
        lags.push(((await shown.jsonValue()) as number) - written);
      }
      await st.close();
      console.log(
        `epoch write -> drawn on the page (ms), ${LIVE} epochs: median ${median(lags)}, max ${Math.max(...lags)}, ` +
          `min ${Math.min(...lags)}`,
      );
    } finally {
      await browser.close();
      await d.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv.indexOf('--write-only');
if (only > 0)
  await makeStudy(process.argv[only + 1]!); // the study file alone, to look at it
else await main();
