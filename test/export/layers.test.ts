// Every layer kind exported to ONNX and run in ONNX Runtime on real windows gives seqtune's predict to 1e-5
// (scaled units), with every weight random (biases, recurrent biases and moving statistics too), on a batch of
// 16 and on a batch of 1 (the batch dimension is dynamic).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPORTABLE_LAYERS, exportOnnx } from '../../src/export/index.js';
import {
  ACTIVATIONS,
  averagePooling1d,
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gaussianNoise,
  gru,
  type Layer,
  layerNormalization,
  layerRegistry,
  linearSkip,
  lstm,
  maxPooling1d,
  repeatVector,
  selectTimestep,
  simpleRNN,
  tensor,
  timeDistributed,
} from '../../src/nn/index.js';
import { type Model, sequential } from '../../src/train/index.js';
import { assertSameNaNs, exportedDiff, maxAbsDiff, randomize, runOnnx, windows } from './helpers.js';

const covered = new Set<string>();
function track(layers: readonly Layer[]): void {
  for (const l of layers) {
    covered.add(l.className);
    const inner = l as unknown as { layers?: Layer[]; layer?: Layer; forwardLayer?: Layer };
    track([
      ...(inner.layers ?? []),
      ...(inner.layer ? [inner.layer] : []),
      ...(inner.forwardLayer ? [inner.forwardLayer] : []),
    ]);
  }
}

/** Exports the layers with random weights; the largest |onnx - predict| must be at most 1e-5. */
async function check(layers: Layer[], T: number, F: number): Promise<void> {
  const model: Model = sequential(layers, { inputShape: [T, F], seed: 1 });
  track(layers);
  randomize(model);
  const { diff, scale } = await exportedDiff(model);
  model.dispose();
  assert.ok(diff <= 1e-5, `max |onnx - predict| = ${diff}, outputs up to ${scale}`);
}

const cases: [string, () => Layer[], number, number][] = [
  ['gru', () => [gru({ units: 6 }), dense({ units: 2 })], 9, 3],
  ['lstm', () => [lstm({ units: 6 }), dense({ units: 2 })], 9, 3],
  ['simple_rnn (relu)', () => [simpleRNN({ units: 6, activation: 'relu' }), dense({ units: 2 })], 9, 3],
  [
    'no biases',
    () => [
      gru({ units: 4, useBias: false, returnSequences: true }),
      lstm({ units: 3, useBias: false }),
      dense({ units: 1, useBias: false }),
    ],
    6,
    2,
  ],
  [
    'bidirectional 2-layer GRU',
    () => [
      bidirectional(gru({ units: 5, returnSequences: true })),
      bidirectional(gru({ units: 4 })),
      dense({ units: 3 }),
    ],
    10,
    2,
  ],
  [
    'stacked LSTM returning sequences into a time-distributed dense',
    () => [
      lstm({ units: 6, returnSequences: true }),
      lstm({ units: 5, returnSequences: true }),
      timeDistributed(dense({ units: 2 })),
    ],
    8,
    3,
  ],
  [
    'encoder-decoder: LSTM, repeatVector, GRU sequence, time-distributed dense',
    () => [
      lstm({ units: 6 }),
      repeatVector(4),
      gru({ units: 5, returnSequences: true }),
      timeDistributed(dense({ units: 1 })),
    ],
    8,
    2,
  ],
  [
    'go_backwards, last state and sequence; bidirectional over a backwards LSTM',
    () => [
      gru({ units: 4, goBackwards: true, returnSequences: true }),
      bidirectional(lstm({ units: 3, goBackwards: true, returnSequences: true })),
      simpleRNN({ units: 3, goBackwards: true }),
      dense({ units: 1 }),
    ],
    7,
    2,
  ],
  [
    'conv1d front: valid, same with stride, causal with dilation; then GRU',
    () => [
      conv1d({ filters: 5, kernelSize: 3, activation: 'relu' }),
      conv1d({ filters: 4, kernelSize: 4, padding: 'same', strides: 2, activation: 'elu' }),
      conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, useBias: false }),
      conv1d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }),
      gru({ units: 5 }),
      dense({ units: 2 }),
    ],
    17,
    3,
  ],
  [
    'pooling: max and average, valid and same, strides',
    () => [
      maxPooling1d({ poolSize: 2 }),
      averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
      maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
      averagePooling1d({ poolSize: 2, strides: 1 }),
      lstm({ units: 4 }),
      dense({ units: 1 }),
    ],
    19,
    2,
  ],
  [
    'batch norm (sequence and vector, with and without center/scale) and layer norm',
    () => [
      batchNormalization(),
      gru({ units: 6, returnSequences: true }),
      layerNormalization(),
      batchNormalization({ center: false }),
      lstm({ units: 5 }),
      batchNormalization({ scale: false }),
      layerNormalization({ center: false, scale: false }),
      dense({ units: 2, activation: 'softsign' }),
    ],
    8,
    3,
  ],
  [
    'flatten, dense activations, dropout and gaussian noise left out',
    () => [
      dropout({ rate: 0.3 }),
      gaussianNoise({ stddev: 0.2 }),
      flatten(),
      dense({ units: 7, activation: 'hard_sigmoid' }),
      dense({ units: 5, activation: 'sigmoid' }),
      dense({ units: 2, activation: 'relu' }),
    ],
    5,
    3,
  ],
  [
    'select_timestep after a bidirectional sequence',
    () => [bidirectional(gru({ units: 4, returnSequences: true })), selectTimestep(-2), dense({ units: 2 })],
    6,
    2,
  ],
  [
    'linear_skip around a conv and GRU model',
    () => [
      linearSkip([conv1d({ filters: 3, kernelSize: 2, padding: 'causal' }), gru({ units: 4 }), dense({ units: 3 })]),
    ],
    8,
    2,
  ],
];

for (const [name, layers, T, F] of cases)
  test(`exported ${name}: ONNX Runtime gives predict's outputs`, () => check(layers(), T, F));

test("layers named as the graph's input and output (window, forecast, last_value) leave those names to it", () =>
  check(
    [
      gru({ units: 4, name: 'window', returnSequences: true }),
      lstm({ units: 3, name: 'last_value' }),
      dense({ units: 2, name: 'forecast' }),
    ],
    6,
    2,
  ));

// A window with a missing cell (NaN): seqtune's state is NaN from that step on, in processing order; ONNX Runtime's
// GRU and LSTM gave finite numbers there. Sample n has a NaN at step n % (L + 1) (none for the last of each L + 1).
test('a NaN in the window gives NaN where predict does, step by step, and the same numbers elsewhere', async () => {
  const [N, L, F] = [14, 6, 2];
  const layers = [
    gru({ units: 4, returnSequences: true }),
    lstm({ units: 3, goBackwards: true, returnSequences: true }),
    bidirectional(simpleRNN({ units: 3, returnSequences: true })),
    timeDistributed(dense({ units: 2 })),
  ];
  const vector = [lstm({ units: 3, goBackwards: true }), dense({ units: 2 })];
  for (const ls of [layers, vector]) {
    const model: Model = sequential(ls, { inputShape: [L, F], seed: 1 });
    randomize(model);
    const x = windows(N, L, F);
    for (let n = 0; n < N; n++) if (n % (L + 1) < L) x[(n * L + (n % (L + 1))) * F + (n % F)] = Number.NaN;
    const want = model.predict(tensor(x, [N, L, F])).data;
    const got = await runOnnx(exportOnnx(model), { window: { data: x, dims: [N, L, F] } });
    model.dispose();
    assertSameNaNs(got, want);
  }
});

// seqtune's max pool skips NaN and gives -Infinity for a window with no value above it; ONNX Runtime's MaxPool gave
// -FLT_MAX there, so a missing cell through a conv1d front (kernel 2: two NaN steps) and a max pool of 2 forecast
// numbers (about 1e38) where predict's forecasts are NaN or infinite.
test('a max pool over cells that are all NaN gives -Infinity as predict, and the forecast behind it is not finite either', async () => {
  const [L, F] = [6, 1];
  const x = Float32Array.from([Number.NaN, Number.NaN, 1, Number.NaN, 2, Number.NEGATIVE_INFINITY]);
  for (const padding of ['valid', 'same'] as const) {
    const pool: Model = sequential([maxPooling1d({ poolSize: 2, strides: 1, padding }), flatten()], {
      inputShape: [L, F],
      seed: 1,
    });
    const want = Array.from(pool.predict(tensor(x, [1, L, F])).data);
    assert.deepEqual(Array.from(await runOnnx(exportOnnx(pool), { window: { data: x, dims: [1, L, F] } })), want);
    assert.ok(want.includes(Number.NEGATIVE_INFINITY), String(want));
    pool.dispose();
  }
  // the forecast behind it: a Dense of the pooled -Infinity is -Infinity, +Infinity or NaN as its weights' signs mix
  const layers = [conv1d({ filters: 3, kernelSize: 2 }), maxPooling1d({ poolSize: 2 }), flatten(), dense({ units: 4 })];
  const model: Model = sequential(layers, { inputShape: [8, 2], seed: 1 });
  randomize(model);
  const w = windows(4, 8, 2);
  w[(1 * 8 + 3) * 2 + 1] = Number.NaN;
  const want = model.predict(tensor(w, [4, 8, 2])).data;
  const got = await runOnnx(exportOnnx(model), { window: { data: w, dims: [4, 8, 2] } });
  model.dispose();
  const kind = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? 'finite' : String(v)));
  assert.deepEqual(kind(got), kind(want));
  assert.ok(want.some((v) => !Number.isFinite(v)));
  const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : 0));
  assert.ok(maxAbsDiff(finite(got), finite(want)) <= 1e-5);
});

// A pool window of NaN cells is -Infinity (above) in every channel of a step; seqtune's recurrent layer reads it as
// NaN from there on (its input projection x W is NaN where the weights' signs mix); ONNX Runtime's GRU and LSTM read
// -Infinity without a NaN and forecast a number (-0.100, -0.154 where predict gives NaN, NaN).
test('behind a max pool, a window of NaN cells gives NaN from the recurrent layer on, as predict', async () => {
  const [N, L, F] = [4, 8, 2];
  const fronts = () => [conv1d({ filters: 3, kernelSize: 2 }), maxPooling1d({ poolSize: 2 })];
  const models = [
    [...fronts(), gru({ units: 3 }), dense({ units: 2 })],
    [...fronts(), lstm({ units: 3, returnSequences: true }), flatten(), dense({ units: 2 })],
    [...fronts(), conv1d({ filters: 2, kernelSize: 1 }), bidirectional(simpleRNN({ units: 3 })), dense({ units: 2 })],
  ];
  for (const layers of models) {
    const model: Model = sequential(layers, { inputShape: [L, F], seed: 1 });
    randomize(model);
    const w = windows(N, L, F);
    w[(1 * L + 3) * F + 1] = Number.NaN;
    const want = model.predict(tensor(w, [N, L, F])).data;
    const got = await runOnnx(exportOnnx(model), { window: { data: w, dims: [N, L, F] } });
    model.dispose();
    assertSameNaNs(got, want);
  }
});

// Short windows and few units: a GRU whose gates are linear is unbounded, and on long windows with random weights
// its outputs (and float32 rounding with them) grow without limit, in seqtune and in ONNX Runtime alike.
test('every activation pair of GRU, LSTM and SimpleRNN is exported as it is', async () => {
  for (const cell of [gru, lstm])
    for (const activation of ACTIVATIONS)
      for (const recurrentActivation of ACTIVATIONS)
        await check([cell({ units: 4, activation, recurrentActivation }), dense({ units: 2 })], 6, 2);
  for (const activation of ACTIVATIONS) await check([simpleRNN({ units: 4, activation }), dense({ units: 2 })], 6, 2);
});

test('every layer class seqtune has is exportable, and each was checked above', () => {
  const all = [...layerRegistry.classNames, 'LinearSkip'];
  assert.deepEqual(
    all.filter((c) => !EXPORTABLE_LAYERS.includes(c)),
    [],
  );
  assert.deepEqual(
    all.filter((c) => !covered.has(c)),
    [],
  );
});
