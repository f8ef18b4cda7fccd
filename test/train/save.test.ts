import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  gru,
  l2,
  layerNormalization,
  linearSkip,
  lstm,
  Rng,
  selectTimestep,
  tensor,
} from '../../src/nn/index.js';
import { adam, rmsprop } from '../../src/optim/index.js';
import { loadModel, Model, ModelFileError, sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'seqtune-save-'));

test('a saved and loaded model predicts bit-identically and keeps its full config', async () => {
  const dir = tmp();
  try {
    const rng = new Rng(1);
    const x = tensor(randArray(rng, 20 * 6 * 3), [20, 6, 3]),
      y = tensor(randArray(rng, 20), [20, 1]);
    const m = sequential(
      [
        bidirectional(
          lstm({
            units: 5,
            returnSequences: true,
            recurrentDropout: 0.1,
            kernelRegularizer: l2(1e-3),
            kernelInitializer: 'heNormal',
            inputShape: [6, 3],
          }),
        ),
        gru({ units: 4, returnSequences: true, activation: 'softsign', goBackwards: true }),
        selectTimestep(-2),
        dropout({ rate: 0.2 }),
        dense({ units: 1, activation: 'linear' }),
      ],
      { seed: 77 },
    );
    m.compile({
      optimizer: rmsprop({ learningRate: 0.003, centered: true }),
      loss: { className: 'huber', config: { delta: 0.5 } },
      metrics: ['mae'],
      clipnorm: 5,
    });
    await m.fit(x, y, { epochs: 2, batchSize: 8 });
    await m.save(dir);
    const back = await loadModel(dir);
    assert.deepEqual(back.predict(x).data, m.predict(x).data);
    assert.deepEqual(back.layerConfigs(), m.layerConfigs());
    assert.equal(back.seed, 77);
    assert.equal(back.clipnorm, 5);
    assert.deepEqual(back.optimizer!.getConfig(), m.optimizer!.getConfig());
    assert.deepEqual(back.loss!.config, m.loss!.config);
    // the same batches: a loss summed over other batches can differ in its last bit
    assert.equal(back.evaluate(x, y, { batchSize: 8 }).loss, m.evaluate(x, y, { batchSize: 8 }).loss);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or truncated model folder gives a clear error', async () => {
  const dir = tmp();
  try {
    const m = sequential([gru({ units: 3, inputShape: [4, 1] }), dense({ units: 1 })]);
    m.compile({ optimizer: adam() });
    await m.save(dir);
    const bin = join(dir, 'weights.bin'),
      json = join(dir, 'model.json');
    const good = readFileSync(bin);
    truncateSync(bin, 10);
    await assert.rejects(loadModel(dir), /weights.bin: expected \d+ bytes, found 10; the file is truncated/);
    const flipped = Buffer.from(good);
    flipped[5]! ^= 0xff;
    writeFileSync(bin, flipped);
    await assert.rejects(
      loadModel(dir),
      /weights.bin: SHA-256 .* does not match model.json .* the weights are corrupt/,
    );
    writeFileSync(bin, good);
    const text = readFileSync(json, 'utf8');
    writeFileSync(json, text.slice(0, 40));
    await assert.rejects(loadModel(dir), /model.json: not valid JSON .*corrupt or truncated/);
    writeFileSync(json, text.replace('"GRU"', '"Transformer"'));
    await assert.rejects(loadModel(dir), /layers\[0\].className: expected one of .*received "Transformer"/);
    await assert.rejects(loadModel(join(dir, 'nope')), /model.json: cannot read \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model.json whose layers or compile settings are refused is a ModelFileError naming file and key', async () => {
  // a hand-edited file or another version's: these were a ValueError or ShapeError, which the CLI reads as a bug
  const dir = tmp();
  try {
    const m = sequential([gru({ units: 3, inputShape: [4, 1] }), dense({ units: 1 })]);
    m.compile({ optimizer: adam() });
    await m.save(dir);
    const json = join(dir, 'model.json');
    const good = JSON.parse(readFileSync(json, 'utf8'));
    const edited = async (edit: (j: typeof good) => void, message: RegExp) => {
      const j = structuredClone(good);
      edit(j);
      writeFileSync(json, JSON.stringify(j));
      await assert.rejects(loadModel(dir), (e: Error) => {
        assert.ok(e instanceof ModelFileError, `${e.name}: ${e.message}`);
        assert.match(e.message, message);
        return true;
      });
    };
    await edited((j) => (j.layers[0].config.units = 0), /model.json: layers\[0\]: GRU.units: expected a positive .*0$/);
    await edited((j) => (j.layers[1].config.activation = 'foo'), /model.json: layers\[1\]: Dense.activation: .*"foo"/);
    await edited((j) => (j.layers[0].className = 'Gru'), /model.json: layers\[0\].className: expected one of /);
    await edited((j) => (j.layers = []), /model.json: sequential: expected a non-empty list of layers/);
    await edited((j) => (j.inputShape = [4]), /model.json: .*GRU needs a sequence input/);
    await edited((j) => (j.compile.optimizer.className = 'foo'), /model.json: optimizer: expected one of /);
    await edited((j) => (j.compile.optimizer.config.learningRate = -1), /model.json: optimizer.learningRate: /);
    await edited((j) => (j.compile.loss = { className: 'foo' }), /model.json: loss: expected one of /);
    // a missing size or digest was 'weights.bin: expected undefined bytes, found 76' and 'SHA-256 ... (undefined...)'
    await edited(
      (j) => delete j.weightsBytes,
      /model.json: weightsBytes: expected the size .*received nothing \(the key is missing\)$/,
    );
    await edited((j) => (j.weightsBytes = '76'), /model.json: weightsBytes: expected .*, received "76"$/);
    await edited(
      (j) => delete j.sha256,
      /model.json: sha256: expected the weights file's SHA-256 \(64 hex digits\), received nothing /,
    );
    await edited((j) => (j.sha256 = 'abc'), /model.json: sha256: expected .*, received "abc"$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a true-or-false layer option written as a string in model.json is refused, not read as true', async () => {
  // "goBackwards": "false" ran the LSTM backwards, in predict and in the exported graph alike, exit 0
  const dir = tmp();
  try {
    const m = sequential([
      conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 1] }),
      batchNormalization(),
      layerNormalization(),
      bidirectional(lstm({ units: 2, returnSequences: true })),
      gru({ units: 2 }),
      dense({ units: 1 }),
    ]);
    await m.save(dir);
    const json = join(dir, 'model.json');
    const good = readFileSync(json, 'utf8');
    const cases: [(l: { config: Record<string, unknown> }[]) => void, RegExp][] = [
      [(l) => (l[0]!.config.useBias = 'false'), /layers\[0\]: Conv1D\.useBias: expected true or false, .*"false"$/],
      [(l) => (l[1]!.config.center = 0), /layers\[1\]: batch_normalization\.center: expected true or false, .* 0$/],
      [(l) => (l[2]!.config.scale = 'no'), /layers\[2\]: layer_normalization\.scale: expected true or false, .*"no"$/],
      [
        (l) => ((l[3]!.config.layer as { config: Record<string, unknown> }).config.goBackwards = 'false'),
        /layers\[3\]: LSTM\.goBackwards: expected true or false, received "false"$/,
      ],
      [(l) => (l[4]!.config.returnSequences = 'true'), /layers\[4\]: GRU\.returnSequences: expected true or false/],
      [(l) => (l[5]!.config.useBias = null), /layers\[5\]: Dense\.useBias: expected true or false, received null$/],
    ];
    for (const [edit, message] of cases) {
      const j = JSON.parse(good);
      edit(j.layers);
      writeFileSync(json, JSON.stringify(j));
      await assert.rejects(loadModel(dir), (e: Error) => {
        assert.ok(e instanceof ModelFileError, `${e.name}: ${e.message}`);
        assert.match(e.message, /model\.json: /);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.throws(
      () => linearSkip([dense({ units: 1 })], { frozenLinear: 'true' as never }),
      /LinearSkip\.frozenLinear: expected true or false, received "true"$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved bidirectional layer naming a merge other than concat is refused, not read as concat', async () => {
  // "mergeMode": "sum" was ignored: the layer concatenated its directions, in predict and the export alike, exit 0
  const dir = tmp();
  try {
    const m = sequential([bidirectional(gru({ units: 2, inputShape: [4, 1] })), dense({ units: 1 })]);
    await m.save(dir);
    const json = join(dir, 'model.json');
    const good = readFileSync(json, 'utf8');
    const j = JSON.parse(good);
    assert.equal(j.layers[0].config.mergeMode, 'concat');
    j.layers[0].config.mergeMode = 'sum';
    writeFileSync(json, JSON.stringify(j));
    await assert.rejects(loadModel(dir), (e: Error) => {
      assert.ok(e instanceof ModelFileError, `${e.name}: ${e.message}`);
      assert.match(e.message, /model\.json: layers\[0\]: Bidirectional\.mergeMode: expected "concat", .*"sum"$/);
      return true;
    });
    delete j.layers[0].config.mergeMode;
    writeFileSync(json, JSON.stringify(j));
    (await loadModel(dir)).dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model whose schedule ended at zero saves the rate it started from and loads again', async () => {
  const dir = tmp();
  try {
    const rng = new Rng(3);
    const x = tensor(randArray(rng, 10 * 4), [10, 4, 1]),
      y = tensor(randArray(rng, 10), [10, 1]);
    const m = sequential([gru({ units: 3, inputShape: [4, 1] }), dense({ units: 1 })], { seed: 5 });
    m.compile({ optimizer: adam({ learningRate: 0.004 }), loss: 'mse' });
    // cosine over 2 epochs reaches 0 at the third: the optimizer's current rate is 0 when training ends
    const h = await m.fit(x, y, { epochs: 3, batchSize: 5, schedule: { cosine: { t_max: 2 } } });
    assert.equal(h.history.lr!.at(-1), 0);
    await m.save(dir);
    const saved = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(saved.compile.optimizer.config.learningRate, 0.004);
    const back = await loadModel(dir);
    assert.equal(back.optimizer!.learningRate, 0.004);
    // a folder written before the fix holds a zero rate: it loads, with the optimizer's default rate
    saved.compile.optimizer.config.learningRate = 0;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(saved));
    const old = await loadModel(dir);
    assert.equal(old.optimizer!.learningRate, 0.001);
    assert.deepEqual(old.predict(x).data, m.predict(x).data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model built with initialize: false has zero weights for setWeights to fill (loadModel sets every one)', () => {
  const layers = () => [gru({ units: 6, inputShape: [3, 2], name: 'g' }), dense({ units: 1, name: 'd' })];
  const drawn = sequential(layers(), { seed: 1 });
  const blank = new Model(layers(), { seed: 1, initialize: false });
  assert.ok(Object.values(drawn.getWeights()).some((w) => w.some((v) => v !== 0)));
  assert.ok(Object.values(blank.getWeights()).every((w) => w.every((v) => v === 0)));
  blank.setWeights(drawn.getWeights());
  assert.deepEqual(blank.getWeights(), drawn.getWeights());
});

test('a frozen Dense (trainable: false) stays frozen in the saved model: a fit of the loaded model keeps it', async () => {
  // the saved config left trainable out: the loaded layer's weights were trainable and a further fit changed them
  const dir = tmp();
  try {
    const rng = new Rng(4);
    const x = tensor(randArray(rng, 12 * 4), [12, 4, 1]),
      y = tensor(randArray(rng, 12), [12, 1]);
    const m = sequential(
      [gru({ units: 3, inputShape: [4, 1] }), dense({ units: 2, trainable: false }), dense({ units: 1 })],
      { seed: 2 },
    );
    m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
    await m.save(dir);
    const back = await loadModel(dir);
    assert.equal(back.countParams({ trainableOnly: true }), m.countParams({ trainableOnly: true }));
    const frozen = (w: Record<string, Float32Array>) =>
      Object.entries(w).filter(([k]) => k.startsWith(`${back.layers[1]!.name}/`));
    const before = frozen(back.getWeights()),
      rest = back.getWeights()[`${back.layers[2]!.name}/kernel`];
    assert.equal(before.length, 2);
    await back.fit(x, y, { epochs: 2, batchSize: 4 });
    assert.deepEqual(frozen(back.getWeights()), before);
    assert.notDeepEqual(back.getWeights()[`${back.layers[2]!.name}/kernel`], rest, 'the trainable head did train');
    assert.throws(() => dense({ units: 1, trainable: 'false' as never }), /Dense\.trainable: expected true or false/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
