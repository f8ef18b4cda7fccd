// The measurements of a config that tune's trial.ts makes outside a trial's fit. In a file of its own: the engine
// memory holds nothing but what the test takes (no free blocks of other tests' models).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compiledModel } from '../../src/config/index.js';
import { linearFitted, syntheticCsv } from '../../src/data/index.js';
import { getEngine, MEMORY_LIMIT_BYTES } from '../../src/engine/index.js';
import { autoNext } from '../../src/tune/auto.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { gradientNorm, measureGradientNorm, prepareFor, runTrial, type TrialEnv } from '../../src/tune/trial.js';
import { autoTestEnv, trialMaker } from '../helpers/auto-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-trial-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const envOf = autoTestEnv(dir, 'trial');

test("the gradient norm's steps that cannot fit in the memory left do not run: clipnorm is swept, and a note says why", async () => {
  // they ran without fit's memory check: their buffers, made one by one, grew the engine's memory to the limit before
  // one failed, and the norm read as Infinity, said nowhere (GRU(256) at lookback 2000, batch 200: 3127 MiB reserved)
  const env = await envOf(),
    d = await prepareFor(env, env.base);
  const probe = compiledModel(env.loaded.file, env.base, d),
    step = probe.stepBytes(32, 32, 1);
  // taken above the probe: its blocks, given back below, serve the weights of the norm's model as they did before
  // (a free block at the top is now extended by a larger buffer: taken would have swallowed them)
  const e = getEngine(),
    taken = e.alloc((MEMORY_LIMIT_BYTES - e.bytesInUse - step / 2) / 4);
  probe.dispose();
  try {
    const before = e.bytesReserved;
    const g = await gradientNorm(env, env.base);
    assert.match(String(g), /^engine: out of WebAssembly memory: a training step of 32 samples on 1 thread needs /);
    assert.equal(e.bytesReserved, before, 'no buffer of the steps made');
    // the lever is not ruled out on a norm not measured: its trials meet their own memory checks
    const trial = trialMaker(() => ({
      seconds: 60,
      epochs: 10,
      diagnosis: {
        pattern: 'unstable',
        confidence: 0.8,
        advice: [{ param: 'train.clipnorm', action: 'set', values: [1e6], factor: 'clipnorm', text: 'clip' }],
      },
    }));
    const next = await autoNext(env, tuneSettings(env.base, env.loaded.file), [trial({}, 0.1)]);
    assert.deepEqual(next?.params, { 'train.clipnorm': 1e6 });
    assert.match(
      next!.why,
      /^train\.clipnorm swept without the gradient norm of the best configuration, not measured: engine: /,
    );
  } finally {
    e.release(taken);
  }
});

test('a gradient norm that would hold the plan longer than it may wait is not measured, and says why', async () => {
  // Beijing PM2.5: a GRU of thousands of units (its orthogonal initializer, then 23 steps of 300 windows) held the
  // plan's thread for 20 minutes after the study's 30-minute budget had ended; no finished trial was read meanwhile
  const env = await envOf();
  const g = await measureGradientNorm(env, env.base, 50);
  assert.ok(typeof g === 'number' && g > 0, `measured: ${g}`);
  // a quarter of the time left: 1 ms left of the budget
  const late = await measureGradientNorm({ ...env, deadline: Date.now() + 1 }, env.base, 50);
  assert.match(
    String(late),
    new RegExp(
      "^its model's build and \\d+ steps of 32 windows would take about 0 s in the plan's thread, where no trial " +
        'starts meanwhile \\(a quarter of the 0 s of the time budget left\\)$',
    ),
  );
  const bounded = await measureGradientNorm(env, env.base, 50, { seconds: 0, why: 'at most 0 s' });
  assert.match(
    String(bounded),
    /would take about 0 s in the plan's thread, where no trial starts meanwhile \(at most 0 s\)$/,
  );
});

test("a trial's ridge fits take turns of the event loop, and an abort stops them at the next", async () => {
  // a trial of `jobs: 1` runs on the main thread, where SIGTERM waited for its ridge fits (ETTh1 OT, lookback 720,
  // linear_skip ridge: 6 s); here 1,608 training windows of 192 steps, several turns' work
  writeFileSync(join(dir, 'long.csv'), syntheticCsv({ length: 3000, seed: 3 }));
  const env = await envOf();
  const base = {
    ...env.base,
    data: { ...env.base.data, csv: 'long.csv', lookback: 192 },
    model: { ...env.base.model, linear_skip: 'ridge' as const },
    train: { ...env.base.train, epochs: 1 },
  };
  const ac = new AbortController();
  const aborted: TrialEnv = { ...env, base, signal: ac.signal };
  const d = await prepareFor(aborted, base); // the data's reading turns the event loop too: prepared first
  await env.storage.createStudy('trial', {});
  let turns = 0;
  const turn = () => {
    if (++turns === 2) ac.abort('SIGTERM');
    else setImmediate(turn);
  };
  setImmediate(turn);
  const t = await runTrial(aborted, await env.storage.createTrial('trial', {}));
  assert.equal(t.state, 'running', 'interrupted: the trial records nothing (the study fails it)');
  assert.equal(linearFitted(d, 192), false, 'the fit stopped at the first turn after the abort');
  // not aborted: the fit runs to its end, before the epochs, and is kept for the data
  const done = await runTrial({ ...aborted, signal: undefined }, await env.storage.createTrial('trial', {}));
  assert.equal(done.state, 'complete', String(done.error));
  assert.deepEqual(
    (done.attrs.ridge as { lookback: number }[]).map((r) => r.lookback),
    [192],
  );
  assert.ok(linearFitted(d, 192));
});

test('a trial failed as stale while it wrote its run folder removes that folder: no trial-N of a failed trial', async () => {
  // its heartbeat late, another process failed it as it scored itself: the finish was refused ("already failed") and
  // runs/<name>/trial-N stayed beside the folder of the trial that ran its parameters again
  const env = await envOf();
  const runs = join(dir, 'runs-stale');
  await env.storage.createStudy('trial', {}).catch(() => {});
  const t = await env.storage.createTrial('trial', { 'train.epochs': 2 });
  const finish = env.storage.finishTrial.bind(env.storage);
  let refused = 0;
  env.storage.finishTrial = async (...a: Parameters<typeof finish>) => {
    if (refused++ === 0) await env.storage.failRunning('trial', 'stale: no heartbeat from elsewhere:1');
    return finish(...a);
  };
  await assert.rejects(runTrial({ ...env, runs }, t), /already failed/);
  const stored = (await env.storage.getTrials('trial')).find((x) => x.number === t.number)!;
  assert.equal(stored.state, 'failed');
  assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'no run folder of the failed trial');
});
