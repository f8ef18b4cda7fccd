// Property: a model composed as a user writes one in the config's model: section (a front of conv1d, pooling,
// normalisation, dropout and noise; stacked and bidirectional gru, lstm and simple_rnn layers with every activation,
// initializer and regularizer, dropout and recurrent dropout; a head to a vector, through select_timestep or flatten,
// or an encoder-decoder of repeat_vector and a time-distributed dense; linear_skip; one or two targets, a horizon up
// to 3), read by the config parser, is refused with a ConfigError naming a key of model:, or
//   1. its gradients in training (fixed dropout and noise draws) match central finite differences;
//   2. one epoch on 2 threads is within 1e-5 of 1 thread (SGD: Adam and RMSprop may differ more where they divide a
//      gradient near zero by its size, docs/config.md's train.threads), and 2 threads repeat bit for bit;
//   3. its run folder, loaded back, predicts the same numbers bit for bit;
//   4. the loaded model exported to ONNX gives predict's numbers in ONNX Runtime (1e-5), and the run exports with
//      and without --raw-io;
//   5. the run folder's config.yaml, read back, builds the same model (the same layers and initial weights).
// A case trains for seconds: it runs a quarter of SEQTUNE_FUZZ_RUNS (test/helpers/fuzz.ts), 10 by default.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import {
  builtModel,
  ConfigError,
  compiledModel,
  loadConfig,
  parseConfig,
  type RawConfig,
  resolveConfig,
} from '../../src/config/index.js';
import { prepareData } from '../../src/data/index.js';
import { exportOnnx, exportRun } from '../../src/export/index.js';
import { Rng, tensor } from '../../src/nn/index.js';
import { loadRun, splitTensors, trainRun } from '../../src/run/index.js';
import { Model } from '../../src/train/index.js';
import { maxAbsDiff, runOnnx } from '../export/helpers.js';
import { fuzzParams } from '../helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-fuzz-compositions-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'data.csv');
const rows = Array.from(
  { length: 90 },
  (_, i) =>
    `${i},${(Math.sin(i / 3) + 0.1 * Math.cos(i * 1.7)).toFixed(4)},${Math.cos(i / 5).toFixed(4)},${(i * 7) % 11}`,
);
writeFileSync(csv, `time,y,x1,x2\n${rows.join('\n')}\n`);

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const activation = fc.constantFrom('linear', 'sigmoid', 'hard_sigmoid', 'tanh', 'relu', 'softsign', 'elu');
const initializer = fc.oneof(
  fc.constantFrom(
    'zeros',
    'ones',
    'glorot_uniform',
    'glorot_normal',
    'he_uniform',
    'he_normal',
    'lecun_normal',
    'orthogonal',
    'random_uniform',
    'random_normal',
    'truncated_normal',
  ),
  fc.record({ orthogonal: fc.record({ gain: fc.constantFrom(0.5, 1.3) }) }),
  fc.record({ constant: fc.record({ value: fc.constantFrom(-0.2, 0.1, 0.3) }) }),
  fc.record({ random_uniform: fc.record({ minval: fc.constant(-0.3), maxval: fc.constant(0.3) }) }),
  fc.record({ truncated_normal: fc.record({ stddev: fc.constantFrom(0.05, 0.3) }) }),
);
const factor = fc.constantFrom(0, 1e-4, 0.003, 0.02);
const regularizer = fc.oneof(
  fc.constantFrom('l1', 'l2', 'l1l2'),
  fc.record({ l1: factor }),
  fc.record({ l2: factor }),
  fc.record({ l1l2: fc.record({ l1: factor, l2: factor }, { requiredKeys: [] }) }),
);
const rate = fc.constantFrom(0, 0.1, 0.25, 0.5);
/** The options every layer with weights takes (the activity regularizer only where no linear skip wraps it). */
const weighted = (skip: boolean) => ({
  activation: maybe(activation),
  use_bias: maybe(fc.boolean()),
  kernel_initializer: maybe(initializer),
  bias_initializer: maybe(initializer),
  kernel_regularizer: maybe(regularizer),
  bias_regularizer: maybe(regularizer),
  ...(skip ? {} : { activity_regularizer: maybe(regularizer) }),
});

type Spec = Record<string, unknown>;
const recurrent = (skip: boolean, sequences: boolean): fc.Arbitrary<Spec> =>
  fc.tuple(fc.constantFrom('gru', 'lstm', 'simple_rnn'), fc.boolean()).chain(([cell, both]) =>
    fc
      .record(
        {
          units: fc.integer({ min: 1, max: 4 }),
          ...weighted(skip),
          return_sequences: fc.constant(sequences),
          go_backwards: maybe(fc.boolean()),
          recurrent_initializer: maybe(initializer),
          recurrent_regularizer: maybe(regularizer),
          dropout: maybe(rate),
          recurrent_dropout: maybe(rate),
          ...(cell === 'simple_rnn' ? {} : { recurrent_activation: maybe(activation) }),
          ...(cell === 'lstm' ? { unit_forget_bias: maybe(fc.boolean()) } : {}),
        },
        { requiredKeys: ['units', 'return_sequences'] },
      )
      .map((o) => (both ? { bidirectional: { [cell]: o } } : { [cell]: o })),
  );
const between: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    batch_normalization: fc.record(
      {
        momentum: fc.constantFrom(0.9, 0.99),
        epsilon: fc.constantFrom(1e-3, 1e-5),
        center: fc.boolean(),
        scale: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    layer_normalization: fc.record(
      { epsilon: fc.constantFrom(1e-3, 1e-5), center: fc.boolean(), scale: fc.boolean() },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ dropout: fc.record({ rate }) }),
  fc.record({
    gaussian_noise: fc.record(
      { stddev: fc.constantFrom(0, 0.05, 0.3), seed: maybe(fc.nat(99)) },
      { requiredKeys: ['stddev'] },
    ),
  }),
);
/** Layers before the recurrent ones that keep at least `lookback` / 2 steps (so any head fits after them). */
const front = (skip: boolean): fc.Arbitrary<Spec[]> =>
  fc.array(
    fc.oneof(
      between,
      fc.record({
        conv1d: fc.record(
          {
            filters: fc.integer({ min: 1, max: 3 }),
            kernel_size: fc.integer({ min: 1, max: 3 }),
            padding: fc.constantFrom('same', 'causal'),
            dilation_rate: maybe(fc.integer({ min: 1, max: 2 })),
            ...weighted(skip),
          },
          { requiredKeys: ['filters', 'kernel_size', 'padding'] },
        ),
      }),
      fc
        .tuple(fc.constantFrom('max_pooling1d', 'average_pooling1d'), fc.constantFrom(1, 2))
        .map(([k, p]) => ({ [k]: { pool_size: p, strides: 1, padding: 'same' } })),
    ),
    { maxLength: 2 },
  );
const dense = (units: number, skip: boolean): fc.Arbitrary<Spec> =>
  fc.record({ units: fc.constant(units), ...weighted(skip) }, { requiredKeys: ['units'] }).map((o) => ({ dense: o }));

/** A head that ends in a vector of `out` values: what a linear skip may wrap. */
function vectorModel(out: number, skip: boolean): fc.Arbitrary<Spec[]> {
  const head = fc
    .tuple(fc.array(fc.oneof(between, dense(3, skip)), { maxLength: 2 }), dense(out, skip))
    .map(([mid, last]) => [...mid, last]);
  const last = fc
    .tuple(fc.array(recurrent(skip, true), { maxLength: 2 }), recurrent(skip, false))
    .map(([s, r]) => [...s, r]);
  const pick = fc
    .tuple(
      fc.array(fc.oneof(recurrent(skip, true), between), { minLength: 1, maxLength: 3 }),
      fc.oneof(
        fc.record({ select_timestep: fc.record({ index: fc.constantFrom(-1, 0, -2) }) }),
        fc.constant({ flatten: {} }),
      ),
    )
    .map(([s, p]) => [...s, p]);
  return fc.tuple(front(skip), fc.oneof(last, pick), head).map(([f, s, h]) => [...f, ...s, ...h]);
}

/** An encoder-decoder: (horizon, targets) out of repeat_vector and a dense at every step. */
function sequenceModel(H: number, nT: number): fc.Arbitrary<Spec[]> {
  return fc
    .tuple(
      front(false),
      fc.array(recurrent(false, true), { maxLength: 1 }),
      recurrent(false, false),
      recurrent(false, true),
      fc.oneof(
        dense(nT, false).map((d) => ({ time_distributed: d })),
        dense(nT, false),
      ),
    )
    .map(([f, s, enc, dec, out]) => [...f, ...s, enc, { repeat_vector: { n: H } }, dec, out]);
}

const composition = fc
  .record({
    seed: fc.nat(1000),
    lookback: fc.integer({ min: 2, max: 7 }),
    horizon: fc.integer({ min: 1, max: 3 }),
    target: fc.constantFrom<string | string[]>('y', ['y', 'x1'], 'x2'),
    features: fc.constantFrom(undefined, ['x1'], ['x1', 'x2'], ['x2', 'y']),
    relative: fc.boolean(),
    scale: fc.constantFrom('minmax', 'standard', 'robust', 'none'),
    skip: fc.constantFrom(undefined, false, true, 'ridge' as const),
    optimizer: fc.constantFrom<unknown>('adam', 'sgd', 'rmsprop', { sgd: { learning_rate: 0.05, momentum: 0.9 } }),
    loss: fc.constantFrom<unknown>('mse', 'mae', { huber: { delta: 0.5 } }),
    batch_size: fc.integer({ min: 4, max: 24 }),
  })
  .chain((c) => {
    const H = c.horizon,
      nT = Array.isArray(c.target) ? c.target.length : 1;
    const layers = c.skip ? vectorModel(H * nT, true) : fc.oneof(vectorModel(H * nT, false), sequenceModel(H, nT));
    return layers.map((l) => ({
      seed: c.seed,
      data: {
        csv,
        time: 'time',
        target: c.target,
        lookback: c.lookback,
        horizon: c.horizon,
        ...(c.features ? { features: c.features } : {}),
        relative: c.relative,
        scale: c.scale,
      },
      model: { layers: l, ...(c.skip === undefined ? {} : { linear_skip: c.skip }) },
      train: { epochs: 1, batch_size: c.batch_size, optimizer: c.optimizer, loss: c.loss, threads: 1 },
      evaluate: { baselines: ['persistence'] },
    }));
  });

const featuresOf = (cfg: RawConfig) => cfg.data.features?.length ?? 3;
const weightsOf = (m: Model) => Object.values(m.getWeights());
/** The saved layer configs without the names the build gave them (gru_12: a count of the layers built so far). */
const layersOf = (m: Model) => JSON.stringify(m.layerConfigs(), (k, v) => (k === 'name' ? undefined : v));

/** 1: the gradient of a few weights of each array, and of the input, against central differences. */
function checkGradients(file: string, cfg: RawConfig): void {
  const F = featuresOf(cfg),
    L = cfg.data.lookback,
    B = 3;
  const m = builtModel(file, cfg, F, 7);
  m.compile({ optimizer: 'sgd', loss: (cfg.train?.loss ?? 'mse') as 'mse' });
  const rng = new Rng(3);
  // every weight moved off its initializer: a zero kernel and a zero bias put a relu exactly at its kink
  const moved = m.getWeights();
  for (const v of Object.values(moved)) for (let i = 0; i < v.length; i++) v[i]! += (rng.uniform() - 0.5) * 0.1;
  m.setWeights(moved);
  const o = m.outputShape!;
  const x = tensor(
    Float32Array.from({ length: B * L * F }, () => rng.uniform() * 2 - 1),
    [B, L, F],
  );
  const y = tensor(
    Float32Array.from({ length: B * (o.T ?? 1) * o.F }, () => rng.uniform() * 2 - 1),
    o.T === null ? [B, o.F] : [B, o.T, o.F],
  );
  // every evaluation draws the same dropout masks and noise (one step seed), so the loss is one function
  const lossAndGrads = (needDx: boolean) => {
    m.draws.begin(11, 0);
    return m.lossAndGrads(x, y, { needDx, training: true });
  };
  const { dx } = lossAndGrads(true);
  const tol = (fd: number) => 5e-3 + 5e-2 * Math.abs(fd);
  /**
   * Agrees with the central difference at a step of 3e-3 or a smaller one (a steep normalisation within the step), or
   * lies between the one-sided differences (a kink within it: relu, l1, mae).
   */
  const agrees = (an: number, set: (v: number) => void, orig: number) => {
    const l0 = lossAndGrads(false).loss;
    const fd = [3e-3, 1e-3, 3e-4].map((eps) => {
      set(orig + eps);
      const right = (lossAndGrads(false).loss - l0) / eps;
      set(orig - eps);
      const left = (l0 - lossAndGrads(false).loss) / eps;
      set(orig);
      return { central: (right + left) / 2, right, left };
    });
    const ok = ({ central, right, left }: { central: number; right: number; left: number }) =>
      Math.abs(central - an) <= tol(central) ||
      (an >= Math.min(left, right) - tol(central) && an <= Math.max(left, right) + tol(central));
    return fd.some(ok) || `analytic ${an}, central differences ${fd.map((f) => f.central).join(', ')}`;
  };
  const trainable = new Set(m.weights.filter((w) => w.trainable).map((w) => `${w.layer}/${w.name}`));
  for (const [key, w] of Object.entries(m.getWeights()).filter(([k]) => trainable.has(k))) {
    const g = m.getGradient(key);
    for (let n = 0; n < Math.min(3, w.length); n++) {
      const i = rng.int(w.length);
      const set = (v: number) => {
        w[i] = v;
        m.setWeights({ [key]: w });
      };
      const r = agrees(g[i]!, set, w[i]!);
      assert.ok(r === true, `d loss / d ${key}[${i}]: ${r}`);
    }
  }
  for (let n = 0; n < 3; n++) {
    const i = rng.int(x.data.length);
    const r = agrees(dx![i]!, (v) => (x.data[i] = v), x.data[i]!);
    assert.ok(r === true, `d loss / d x[${i}]: ${r}`);
  }
  m.dispose();
}

/**
 * 2: one epoch on 1 and 2 threads within 1e-5, and 2 threads twice bit for bit; whether the threads summed the
 * gradient in another order than one (false where the fit trained on one: batch_normalization).
 */
async function checkThreads(file: string, raw: RawConfig): Promise<boolean> {
  const cfg = resolveConfig(raw, 'c');
  const data = await prepareData(cfg.data as Parameters<typeof prepareData>[0], csv);
  const fit = async (threads: number, optimizer: unknown) => {
    const m = compiledModel(file, { ...cfg, train: { ...cfg.train, optimizer } as RawConfig['train'] }, data);
    const [x, y] = splitTensors(data, 'train', m);
    const h = await m.fit(x, y, { epochs: 1, batchSize: cfg.train!.batch_size, threads, onWarning: () => {} });
    const w = weightsOf(m);
    m.dispose();
    return { w, loss: h.history.loss![0]! };
  };
  const one = await fit(1, 'sgd'),
    two = await fit(2, 'sgd');
  const apart = Math.max(...one.w.map((w, i) => maxAbsDiff(w, two.w[i]!)));
  assert.ok(apart <= 1e-5, `1 and 2 threads: weights ${apart} apart`);
  assert.ok(Math.abs(one.loss - two.loss) <= 1e-5 * (1 + Math.abs(one.loss)), `loss ${one.loss} and ${two.loss}`);
  const a = await fit(2, cfg.train!.optimizer),
    b = await fit(2, cfg.train!.optimizer);
  assert.deepEqual(a, b, '2 threads, twice');
  return apart > 0;
}

/** 3, 4 and 5, of the run trainRun wrote at `out`. */
async function checkRun(file: string, raw: RawConfig, out: string): Promise<void> {
  const run = await trainRun(await loadConfig(file), { out });
  const { model } = await loadRun(out);
  assert.ok(model instanceof Model);
  const F = featuresOf(raw),
    L = raw.data.lookback,
    N = 6;
  const x = tensor(
    Float32Array.from({ length: N * L * F }, (_, i) => Math.sin(i * 0.37) * 1.3),
    [N, L, F],
  );
  const want = run.model.predict(x).data;
  assert.deepEqual(model.predict(x).data, want, 'the loaded run predicts as the trained model');
  const onnx = await runOnnx(exportOnnx(model), { window: { data: x.data, dims: [N, L, F] } });
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  assert.ok(maxAbsDiff(onnx, want) <= 1e-5 * scale, `|onnx - predict| = ${maxAbsDiff(onnx, want)}`);
  await exportRun(out, { out: join(out, 'model.onnx') });
  await exportRun(out, { rawIO: true, out: join(out, 'model.raw.onnx') });
  const written = join(out, 'config.yaml');
  const back = parseConfig(readFileSync(written, 'utf8'), written);
  const a = builtModel(file, raw, F, 5),
    b = builtModel(written, back, F, 5);
  assert.equal(layersOf(b), layersOf(a), 'config.yaml builds the same layers');
  assert.deepEqual(weightsOf(b), weightsOf(a), 'config.yaml builds the same initial weights');
  for (const m of [run.model, model, a, b]) m.dispose();
}

let n = 0;
test('a composed model: gradients, threads, save/load, ONNX and its written config agree', async (t) => {
  const seen = { checked: 0, refused: 0, threaded: 0 };
  const { numRuns, seed } = fuzzParams();
  const runs = Math.max(1, Math.round(numRuns / 4));
  await fc.assert(
    fc.asyncProperty(composition, async (cfg) => {
      const file = join(dir, `c${++n}.yaml`);
      const text = stringify(cfg);
      writeFileSync(file, text);
      const raw = parseConfig(text, file);
      try {
        builtModel(file, raw, featuresOf(raw)).dispose();
      } catch (e) {
        // layers that do not fit together (a pool longer than the sequence it gets) are the user's to fix: by key
        assert.ok(e instanceof ConfigError && e.message.startsWith(`${file}: model.`), `${text}\n${e}`);
        seen.refused++;
        return;
      }
      checkGradients(file, raw);
      if (await checkThreads(file, raw)) seen.threaded++;
      await checkRun(file, raw, join(dir, `run${n}`));
      rmSync(join(dir, `run${n}`), { recursive: true, force: true });
      seen.checked++;
    }),
    { numRuns: runs, seed },
  );
  t.diagnostic(
    `${seen.checked} compositions checked (${seen.threaded} of them on 2 threads apart from 1), ` +
      `${seen.refused} refused by key (${runs} runs, seed ${seed})`,
  );
});
