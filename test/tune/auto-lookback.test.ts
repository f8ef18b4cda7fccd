// The lookback lever of `auto`: values ranked by the ridge model's validation MSE, or a note when none is better.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { MemoryStorage } from '../../src/storage/index.js';
import { autoNext } from '../../src/tune/auto.js';
import { candidateLookbacks, lookbackPlan, pickLookback } from '../../src/tune/auto-lookback.js';
import { StudyInterrupted } from '../../src/tune/interrupt.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { prepareFor, type TrialEnv } from '../../src/tune/trial.js';
import { trialMaker } from '../helpers/auto-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-lookback-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A pattern that repeats every 40 steps, plus noise: a window shorter than the period cannot tell where it is. */
function seasonalCsv(n: number, amplitude: number): string {
  let s = 7;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const pattern = Array.from({ length: 40 }, () => rand() * amplitude);
  const rows = Array.from({ length: n }, (_, t) => (pattern[t % 40]! + 0.3 * rand()).toFixed(4));
  return `value\n${rows.join('\n')}\n`;
}

async function envOf(lookback: number, amplitude = 4, rows = 1000): Promise<TrialEnv> {
  writeFileSync(join(dir, `season${amplitude}-${rows}.csv`), seasonalCsv(rows, amplitude));
  writeFileSync(
    join(dir, `c${lookback}-${amplitude}.yaml`),
    `data: {csv: season${amplitude}-${rows}.csv, target: value, lookback: ${lookback}, horizon: 4,
  split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 4}}]}
`,
  );
  const loaded = await loadConfig(join(dir, `c${lookback}-${amplitude}.yaml`));
  return {
    loaded,
    base: resolveConfig(loaded.raw, loaded.name),
    storage: new MemoryStorage(),
    study: 'lookback',
    repeats: 1,
    objective: 'val_loss',
    dataCache: new Map(),
  };
}

test('candidate lookbacks: doublings and the usual ones, longer than now, within the inputs and windows limits', () => {
  assert.deepEqual(candidateLookbacks(96, 1, 8640), [168, 192, 336, 384, 512, 720, 768]);
  // 8 features: at most 96 steps (768 inputs); 600 training rows leave 4 windows per input up to 16 steps
  assert.deepEqual(candidateLookbacks(1, 8, 8760), [2, 4, 8, 16, 24, 32, 48, 64, 96]);
  assert.deepEqual(candidateLookbacks(1, 8, 600), [2, 4, 8, 16]);
  assert.deepEqual(candidateLookbacks(720, 1, 8640), []);
});

test('the lookback lever sweeps the lookbacks whose ridge model is best on validation, and says so', async () => {
  const env = await envOf(8);
  const plan = await lookbackPlan(env, env.base);
  assert.ok('values' in plan, JSON.stringify(plan));
  assert.equal(plan.values.length, 1);
  assert.ok(
    plan.values.every((L) => L >= 40),
    `a window as long as the period sees where it is: ${plan.values}`,
  );
  assert.match(
    plan.text,
    new RegExp(
      "the ridge model's validation MSE (ranks lookback \\d+ \\(0\\.\\d+\\) first|at lookback \\d+ \\(0\\.\\d+\\) " +
        'is within 1% of the best, \\d+ \\(0\\.\\d+\\), which is longer), ahead of 8 \\(',
    ),
  );
  assert.equal(await lookbackPlan(env, env.base), plan, 'ranked once per study and data section');
});

test('a lookback is not lengthened when the ridge model gains nothing from it (noise), and the note says why', async () => {
  const env = await envOf(8, 0);
  const plan = await lookbackPlan(env, env.base);
  assert.ok('note' in plan, JSON.stringify(plan));
  assert.match(
    plan.note,
    new RegExp(
      /^data\.lookback not swept: the ridge model's validation MSE at 8 \(0\.\d+\) is not beaten by 1% /.source +
        /at any longer lookback \(\d+ /.source,
    ),
  );
});

test('the lookbacks are ranked with turns of the event loop, and an abort stops the ranking at the next', async () => {
  // 1,200 training rows: candidates up to 192 steps, whose ridge fits are many WORK_AT_ONCE of multiply-adds
  const env = await envOf(8, 4, 2000);
  await prepareFor(env, env.base); // the data's reading turns the event loop too: prepared first, not counted
  let turns = 0,
    stop = false;
  const turn = () => {
    turns++;
    if (!stop) setImmediate(turn);
  };
  setImmediate(turn);
  const plan = await lookbackPlan(env, env.base);
  stop = true;
  assert.ok('values' in plan, JSON.stringify(plan));
  assert.ok(turns >= 5, `${turns} turns during the fits`);
  // aborted (Ctrl-C or SIGTERM to the tune), the ranking stops at its next turn as the study loop would
  const ac = new AbortController();
  const aborted = { ...env, dataCache: new Map(), signal: ac.signal };
  await prepareFor(aborted, aborted.base);
  const ranking = lookbackPlan(aborted, aborted.base);
  setImmediate(() => ac.abort('SIGTERM'));
  await assert.rejects(
    ranking,
    (e) => e instanceof StudyInterrupted && e.message === 'study lookback: interrupted (SIGTERM)',
  );
});

test('the lookback swept is the shortest within 1% of the best ridge score (ETTh1 h96 and h168 figures)', () => {
  const sorted = (xs: [number, number][]) => xs.map(([L, v]) => ({ L, v })).sort((a, b) => a.v - b.v);
  // h96: 512 is best by 0.1%, 336 is within 1%: 336
  const h96 = sorted([
    [168, 0.09217],
    [192, 0.09109],
    [336, 0.0896],
    [384, 0.0907],
    [512, 0.08951],
    [720, 0.08992],
    [768, 0.0896],
  ]);
  assert.equal(pickLookback(h96, 0.09804)?.L, 336);
  // h168: 768 is best; 512 and 720 are within 1% of it, 336 is 2.3% behind: 512
  const h168 = sorted([
    [168, 0.1037],
    [192, 0.103],
    [336, 0.1041],
    [384, 0.1049],
    [512, 0.1026],
    [720, 0.1025],
    [768, 0.1018],
  ]);
  assert.equal(pickLookback(h168, 0.1125)?.L, 512);
  // nothing beats the current lookback by 1%: no sweep
  assert.equal(pickLookback(sorted([[168, 0.099]]), 0.0995), undefined);
});

test('once the lookback is settled beside the ridge path, the same network without the path runs at it', async () => {
  const env = await envOf(8);
  const s = tuneSettings(env.base, env.loaded.file);
  const plateau = { pattern: 'plateau', confidence: 0.8, advice: [] };
  const trial = trialMaker((value) => ({
    seconds: 1,
    epochs: 10,
    history: { loss: [1, value], val_loss: [1, value] },
    diagnosis: plateau,
  }));
  const trials = [trial({}, 0.1, { linear_val: 0.09 })];
  const first = await autoNext(env, s, trials);
  assert.deepEqual(first?.params, { 'model.linear_skip': 'ridge' });
  trials.push(trial(first!.params, 0.05, { why: first!.why }));
  const lookback = await autoNext(env, s, trials);
  const L = lookback?.params['data.lookback'];
  assert.ok(typeof L === 'number' && L > 8, JSON.stringify(lookback));
  trials.push(trial(lookback!.params, 0.04, { why: lookback!.why }));
  const partner = await autoNext(env, s, trials);
  assert.deepEqual(partner?.params, { 'data.lookback': L });
  assert.match(partner!.why, /^a network without the linear path at the best's data \(#2\)/);
});
