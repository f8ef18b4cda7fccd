import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Diagnosis, diagnose, PATTERNS, type PatternId, readHistory } from '../../src/diagnose/index.js';
import { type Curve, syntheticCurves } from '../helpers/curve-shapes.js';

const toHistory = (c: Curve) =>
  Object.fromEntries(Object.entries(c.history).map(([k, v]) => [k, v.map((x) => x ?? NaN)]));

function confusion(curves: Curve[]): { accuracy: number; table: string; wrong: string[] } {
  const m: Record<string, Record<string, number>> = {};
  for (const a of PATTERNS) m[a] = Object.fromEntries(PATTERNS.map((b) => [b, 0]));
  const wrong: string[] = [];
  let ok = 0;
  for (const c of curves) {
    const d = diagnose(toHistory(c));
    m[c.label]![d.pattern]!++;
    if (d.pattern === c.label) ok++;
    else wrong.push(`${c.id}: ${c.label} read as ${d.pattern}`);
  }
  const short = (p: string) => p.slice(0, 6);
  const lines = [`${'label \\ read'.padEnd(13)}${PATTERNS.map((p) => short(p).padStart(7)).join('')}`];
  for (const a of PATTERNS) lines.push(`${a.padEnd(13)}${PATTERNS.map((b) => String(m[a]![b]).padStart(7)).join('')}`);
  return { accuracy: ok / curves.length, table: lines.join('\n'), wrong };
}

test('the labelled curve set (real seqtune runs and synthetic shapes) is read right at least 90% of the time', () => {
  const { curves } = JSON.parse(readFileSync(new URL('../fixtures/curves/labelled.json', import.meta.url), 'utf8')) as {
    curves: Curve[];
  };
  assert.ok(curves.length >= 60);
  for (const p of PATTERNS) {
    assert.ok(
      curves.some((c) => c.label === p && c.source === 'run'),
      `the set has real seqtune runs showing ${p}`,
    );
    assert.ok(
      curves.some((c) => c.label === p && c.source === 'synthetic'),
      `the set has synthetic ${p} shapes`,
    );
  }
  const r = confusion(curves);
  console.log(
    `diagnosis confusion matrix (${curves.length} labelled curves, accuracy ${(100 * r.accuracy).toFixed(1)}%):\n` +
      `${r.table}`,
  );
  assert.ok(r.accuracy >= 0.9, `accuracy ${r.accuracy}\n${r.wrong.join('\n')}`);
});

test('curves drawn with another seed (not used while building the classifier) are read right at least 90% of the time', () => {
  const r = confusion(syntheticCurves(99, 6));
  assert.ok(r.accuracy >= 0.9, `accuracy ${r.accuracy}\n${r.table}\n${r.wrong.join('\n')}`);
});

test("diagnose's TSDoc example reads as it says", () => {
  const loss = [1, 0.6, 0.4, 0.3, 0.24, 0.2, 0.17, 0.15, 0.13, 0.12];
  const val_loss = [1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.65, 0.7, 0.76];
  assert.equal(diagnose({ loss, val_loss }).pattern, 'overfitting');
});

test('losses of 1e-4 and of 1e3 read the same', () => {
  const base = {
    loss: [1, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24],
    val_loss: [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75],
  };
  const at = (s: number) => diagnose({ loss: base.loss.map((v) => v * s), val_loss: base.val_loss.map((v) => v * s) });
  const a = at(1e-4),
    b = at(1),
    c = at(1e3);
  assert.equal(a.pattern, 'overfitting');
  assert.equal(b.pattern, a.pattern);
  assert.equal(c.pattern, a.pattern);
  assert.ok(Math.abs(a.confidence - c.confidence) < 1e-9);
});

test('every diagnosis carries evidence, a confidence and machine-readable advice', () => {
  const d = diagnose(
    {
      loss: [1, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24],
      val_loss: [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75],
    },
    {
      config: {
        model: { layers: [{ lstm: { units: 128 } }, { dense: { units: 1 } }] },
        train: { epochs: 10, optimizer: { adam: { learning_rate: 0.003 } } },
      },
    },
  );
  assert.equal(d.evidence.bestEpoch, 3);
  assert.ok(d.evidence.train!.slope < 0 && d.evidence.val!.slope > 0 && d.evidence.gap! > 0);
  assert.ok(d.confidence > 0.5 && d.confidence <= 1);
  const units = d.advice.find((a) => a.factor === 'units')!;
  assert.equal(units.param, 'model.layers[0].lstm.units');
  assert.deepEqual(units.values, [64, 32]);
  assert.ok(d.advice.some((a) => a.factor === 'dropout' && a.param === 'model.layers[0].lstm.dropout'));
  assert.match(d.advice[0]!.text, /best at epoch 4/);
  const dv = diagnose(
    { loss: [1, 0.5, NaN], val_loss: [1, 0.6, NaN] },
    { config: { train: { optimizer: { sgd: { learning_rate: 10 } } } } },
  );
  assert.equal(dv.pattern, 'diverged');
  assert.deepEqual(dv.advice[0], {
    param: 'train.optimizer.sgd.learning_rate',
    action: 'decrease',
    values: [3.3, 1],
    factor: 'learning_rate',
    text: 'lower the learning rate from 10 to 3.3 or 1',
  });
});

test('without val_loss the diagnosis rests on the training loss and says so', () => {
  const d = diagnose({ loss: [1, 0.8, 0.65, 0.55, 0.47, 0.41, 0.36, 0.32] });
  assert.equal(d.trainOnly, true);
  assert.equal(d.pattern, 'learning');
  assert.match(d.summary, /no validation curve/);
});

test('Keras history JSON with NaN/Infinity tokens and null, and CSVLogger files, are read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-hist-'));
  try {
    const f = join(dir, 'history.json');
    writeFileSync(
      f,
      '{"loss": [0.5, 0.3, NaN, Infinity], "val_loss": [0.6, null, NaN, -Infinity], "note": "NaN in a string"}',
    );
    const { history } = await readHistory(f);
    assert.deepEqual(history.loss!.slice(0, 2), [0.5, 0.3]);
    assert.ok(
      Number.isNaN(history.loss![2]) &&
        history.loss![3] === Infinity &&
        Number.isNaN(history.val_loss![1]) &&
        history.val_loss![3] === -Infinity,
    );
    assert.equal(diagnose(history).pattern, 'diverged');
    const c = join(dir, 'training.log');
    writeFileSync(
      c,
      'epoch,loss,mae,val_loss,val_mae\n0,1.0,0.9,1.1,0.95\n1,0.7,0.8,0.8,0.85\n2,0.5,0.7,0.65,0.8\n' +
        '3,0.4,0.6,0.55,0.7\n4,0.33,0.55,0.5,0.66\n5,0.28,0.5,0.45,0.6\n',
    );
    const h2 = (await readHistory(c)).history;
    assert.deepEqual(h2.val_loss, [1.1, 0.8, 0.65, 0.55, 0.5, 0.45]);
    assert.equal(diagnose(h2).pattern, 'learning');
    writeFileSync(c, 'epoch,acc\n0,1\n');
    await assert.rejects(
      readHistory(c),
      /the header has no "loss" \(Keras\) or "train_loss" \(PyTorch Lightning\) column/,
    );
    // Keras' CSVLogger with validation_freq: 2 writes NA for the epochs without validation
    writeFileSync(c, 'epoch,loss,val_loss\n0,1.0,NA\n1,0.8,0.9\n2,0.7,NA\n3,0.6,0.7\n');
    const every2 = (await readHistory(c)).history;
    assert.deepEqual(every2.loss, [1.0, 0.8, 0.7, 0.6]);
    assert.ok(Number.isNaN(every2.val_loss![0]) && every2.val_loss![1] === 0.9 && Number.isNaN(every2.val_loss![2]));
    // ... and a run that ended between two validations is no validation loss that became NaN (it read 'diverged')
    const rows = [1, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.42, 0.4, 0.38, 0.37].map(
      (l, e) => `${e},${l},${e % 2 ? l + 0.1 : 'NA'}`,
    );
    writeFileSync(c, `epoch,loss,val_loss\n${rows.join('\n')}\n`);
    const odd = (await readHistory(c)).history;
    assert.equal(odd.loss!.length, 10, 'the last epoch, not validated, left out');
    const d = diagnose(odd);
    assert.notEqual(d.pattern, 'diverged');
    assert.match(d.summary, /validation ran every 2 epochs \(a log leaves the others blank or NA\)/);
    writeFileSync(c, `epoch,loss,val_loss\n${rows.slice(0, 10).join('\n')}\n10,0.37,nan\n`);
    assert.equal(diagnose((await readHistory(c)).history).pattern, 'diverged', 'a logged nan is a value');
    // PyTorch Lightning's CSVLogger: a row per logging call, an epoch's training and validation values on rows of
    // their own (train_loss_step on every step row), the other cells blank
    writeFileSync(
      c,
      'epoch,step,train_loss_step,train_loss_epoch,val_loss\n0,9,0.95,,\n0,19,0.9,,\n0,19,,,1.1\n0,19,,1.0,\n' +
        '1,29,0.75,,\n1,39,0.7,,\n1,39,,,0.8\n1,39,,0.72,\n2,49,0.5,,\n2,59,0.45,,\n2,59,,,0.65\n2,59,,0.5,\n',
    );
    const lightning = (await readHistory(c)).history;
    assert.deepEqual(lightning.loss, [1.0, 0.72, 0.5]);
    assert.deepEqual(lightning.val_loss, [1.1, 0.8, 0.65]);
    assert.deepEqual(lightning.train_loss_step, [0.9, 0.7, 0.45]);
    assert.equal(lightning.train_loss_epoch, undefined, 'read as loss, not kept twice');
    // pandas: DataFrame(history.history).to_json() (a column per key, rows by number) and orient="records"
    const curves = { loss: [1, 0.7, 0.5, 0.4], val_loss: [1.1, 0.8, 0.65, 0.55] };
    const columns = Object.fromEntries(
      Object.entries(curves).map(([k, v]) => [k, Object.fromEntries(v.map((x, i) => [String(i), x]).reverse())]),
    );
    writeFileSync(f, JSON.stringify(columns));
    assert.deepEqual((await readHistory(f)).history, curves);
    writeFileSync(f, JSON.stringify(curves.loss.map((l, i) => ({ train_loss: l, val_loss: curves.val_loss[i] }))));
    assert.deepEqual((await readHistory(f)).history, curves);
    writeFileSync(f, '{"loss": 3, "val_loss": [1]}');
    await assert.rejects(readHistory(f), /history\.json: "loss" is not a list of numbers \(received 3\)/);
    // validation_freq: 3 in Keras: 2 validation values for 6 epochs, not the first two epochs' values
    writeFileSync(f, '{"loss": [1, 0.7, 0.5, 0.4, 0.33, 0.28], "val_loss": [0.8, 0.6]}');
    await assert.rejects(readHistory(f), /"val_loss" has 2 values but "loss" has 6/);
    writeFileSync(f, '[0.5, 0.4]');
    await assert.rejects(readHistory(f), /history\.json: expected a Keras history object like \{"loss"/);
    writeFileSync(f, '\n');
    await assert.rejects(readHistory(f), /history\.json: the file is empty; expected a Keras history JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a one-epoch run is too short to read, not "still falling"', () => {
  const d = diagnose({ loss: [0.5], val_loss: [0.6] });
  assert.match(d.summary, /only 1 epoch: too short/);
  assert.ok(!d.advice.some((a) => /still falling/.test(a.text)));
});

test('a short run whose validation rose while training fell is not "both still falling" (walk M)', () => {
  const d = diagnose({ loss: [0.02, 0.0025], val_loss: [0.0216, 0.051] });
  assert.equal(d.pattern, 'overfitting');
  assert.equal(d.runner_up.pattern, 'learning');
  assert.match(d.summary, /only 2 epochs: too short to read much; validation rose while training fell/);
  assert.ok(!d.advice.some((a) => /still falling/.test(a.text)));
  assert.equal(diagnose({ loss: [0.02, 0.0025], val_loss: [0.0216, 0.01] }).pattern, 'learning');
  assert.equal(diagnose({ loss: [0.02, 0.0025] }).pattern, 'learning');
});

test('a 4-epoch run is too short to read: steadily falling curves are not flat, underfitting', () => {
  // 4 points cannot pass the Mann-Kendall test (z at most 1.70 < 2): both curves falling 29% and 23% an epoch were
  // read as "flat", and the run as underfitting
  const falling = (a: number, r: number, n: number) => Array.from({ length: n }, (_, i) => a * r ** i);
  const d = diagnose({ loss: falling(1, 0.71, 4), val_loss: falling(1.1, 0.77, 4) });
  assert.equal(d.pattern, 'learning');
  assert.match(d.summary, /only 4 epochs: too short to read much/);
  assert.equal(diagnose({ loss: falling(1, 0.71, 4), val_loss: [1.1, 0.9, 1, 1.2] }).pattern, 'overfitting');
  // from 5 epochs the trend is read
  const five = diagnose({ loss: falling(1, 0.71, 5), val_loss: falling(1.1, 0.77, 5) });
  assert.equal(five.pattern, 'learning');
  assert.doesNotMatch(five.summary, /too short/);
});

test('every pattern id is one of the documented ids', () => {
  const ids: PatternId[] = [
    'learning',
    'overfitting',
    'underfitting',
    'plateau',
    'architecture',
    'data',
    'diverged',
    'unstable',
  ];
  assert.deepEqual([...PATTERNS], ids);
});

test('underfitting advice: train longer only when the run reached its epoch limit; a longer lookback when the config has one', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const ev = (epochs: number) => ({ epochs, bestEpoch: epochs - 3 }) as Parameters<typeof adviceFor>[1];
  const config = {
    train: { epochs: 30 },
    data: { lookback: 96 },
    model: { layers: [{ gru: { units: 64 } }, { dense: { units: 1 } }] },
  };
  const params = (a: { param: string }[]) => a.map((x) => x.param);
  const stoppedEarly = adviceFor('underfitting', ev(17), { config });
  assert.ok(
    !params(stoppedEarly).includes('train.epochs'),
    'early stopping ended the run: more epochs would change nothing',
  );
  assert.deepEqual(stoppedEarly.find((a) => a.param === 'data.lookback')?.values, [192]);
  assert.deepEqual(adviceFor('underfitting', ev(30), { config }).find((a) => a.param === 'train.epochs')?.values, [60]);
  // early stopping whose patience (2) ran out at the last epoch: more epochs alone would stop there again
  const es = { ...config, train: { epochs: 30, callbacks: [{ early_stopping: { patience: 2 } }] } };
  const atLimit = adviceFor('underfitting', ev(30), { config: es }).find((a) => a.param === 'train.epochs')!;
  assert.deepEqual([atLimit.values, atLimit.also], [[60], { 'train.callbacks[0].early_stopping.patience': 5 }]);
  assert.match(atLimit.text, /\(60 epochs with train\.callbacks\[0\]\.early_stopping\.patience 2 -> 5\)$/);
  assert.ok(
    !params(adviceFor('underfitting', ev(30), {})).includes('data.lookback'),
    'no lookback advice for a bare history',
  );
});

test('still-learning advice: more patience, not more epochs alone, where early stopping ended the run', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  // airline passengers' GRU(8): best at epoch 90, patience 10; "try 200 epochs" stopped at epoch 100 again, same model
  const ev = (epochs: number, best: number) => ({ epochs, bestEpoch: best - 1 }) as Parameters<typeof adviceFor>[1];
  const config = (epochs: number) => ({
    train: {
      epochs,
      callbacks: [
        { terminate_on_nan: {} },
        { early_stopping: { monitor: 'val_loss', patience: 10, restore_best_weights: true } },
      ],
    },
  });
  const lever = (a: { param: string; values?: unknown[] }[]) => a.map((x) => [x.param, x.values]);
  const patience = ['train.callbacks[1].early_stopping.patience', [20, 40]];
  // at its limit: more epochs with more patience (either alone trains the same model), the values the epochs
  const atLimit = adviceFor('learning', ev(100, 90), { config: config(100) });
  assert.deepEqual(lever(atLimit)[0], ['train.epochs', [200, 400]]);
  // ... each with the patience, which the tuner sets beside the epochs
  assert.deepEqual(atLimit[0]!.also, { 'train.callbacks[1].early_stopping.patience': 20 });
  assert.match(atLimit[0]!.text, /^train longer with more patience: .*ended the run at epoch 100, 10 epochs after/);
  assert.match(atLimit[0]!.text, /\(try 200 epochs with train\.callbacks\[1\]\.early_stopping\.patience 10 -> 20\)$/);
  // before its limit: patience only
  const before = adviceFor('learning', ev(100, 90), { config: config(200) });
  assert.deepEqual(lever(before)[0], patience);
  assert.match(before[0]!.text, /^more patience: .* so more epochs alone train the same model \(patience 10 -> 20\)$/);
  assert.ok(!lever(adviceFor('learning', ev(100, 90), { config: config(200) })).some(([p]) => p === 'train.epochs'));
  // best near the end (patience not spent): train longer, as before
  const spent = adviceFor('learning', ev(100, 97), { config: config(100) });
  assert.deepEqual(lever(spent)[0], ['train.epochs', [200, 400]]);
  assert.match(spent[0]!.text, /^train longer: both losses were still falling at epoch 100/);
  assert.equal(spent[0]!.also, undefined);
  // no early stopping in the config: more epochs
  assert.deepEqual(lever(adviceFor('learning', ev(100, 90), { config: { train: { epochs: 100 } } }))[0], [
    'train.epochs',
    [200, 400],
  ]);
});

test('advice to stack a recurrent layer gives the layers a config would list, or no value without them', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const { buildLayers, configSchema } = await import('../../src/config/index.js');
  const ev = { epochs: 20, bestEpoch: 17 } as Parameters<typeof adviceFor>[1];
  const stack = (layers?: Record<string, unknown>[]) =>
    adviceFor('underfitting', ev, layers ? { config: { model: { layers } } } : {}).find((a) => a.factor === 'layers')!;
  const gru = { gru: { units: 8, dropout: 0.1, name: 'enc' } };
  // the diagnosis printed `[model.layers: stacked]`, a value no config takes
  assert.deepEqual(stack([gru, { dense: { units: 1 } }]).values, [
    [{ gru: { units: 8, dropout: 0.1, return_sequences: true } }, gru, { dense: { units: 1 } }],
  ]);
  const bi = [
    { conv1d: { filters: 4, kernel_size: 2 } },
    { bidirectional: { lstm: { units: 4 } } },
    { dense: { units: 1 } },
  ];
  const [layers] = stack(bi).values as Record<string, unknown>[][];
  assert.deepEqual(layers, [bi[0], { bidirectional: { lstm: { units: 4, return_sequences: true } } }, ...bi.slice(1)]);
  // what it suggests builds: a config with those layers is valid
  const cfg = configSchema.parse({ data: { csv: 'x.csv', target: 'y', lookback: 12 }, model: { layers } });
  assert.equal(buildLayers('c.yaml', cfg, [12, 1]).length, 4);
  // no layers known (a bare history, a model without a recurrent layer): the advice, and no value to print
  assert.equal(stack().values, undefined);
  assert.equal(stack([{ dense: { units: 1 } }]).values, undefined);
  const { diagnosisText } = await import('../../src/diagnose/report.js');
  const d = diagnose({ loss: [1, 0.9], val_loss: [1, 0.9] });
  const text = diagnosisText({ ...d, advice: [stack()] }, 'h.json');
  assert.match(text, /stack another recurrent layer \(return_sequences on the one below\)$/m);
});

test('advice values are written as a config writes them: a setting the stacked layers share is spelled out twice', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const { diagnosisText } = await import('../../src/diagnose/report.js');
  // shampoo's trial with an L2 GRU read "underfitting": its stack advice printed `kernel_regularizer: &a1 {l2:
  // 0.0001}` and then `*a1`, a YAML anchor and alias, the regularizer object being one in both copies of the layer
  const gru = { gru: { units: 16, kernel_regularizer: { l2: 0.0001 } } };
  const ev = { epochs: 20, bestEpoch: 17 } as Parameters<typeof adviceFor>[1];
  const advice = adviceFor('underfitting', ev, { config: { model: { layers: [gru, { dense: { units: 1 } }] } } });
  const d = diagnose({ loss: [1, 0.9], val_loss: [1, 0.9] });
  const text = diagnosisText({ ...d, advice: advice.filter((a) => a.factor === 'layers') }, 'h.json');
  const layer = 'gru: {units: 16, kernel_regularizer: {l2: 0.0001}';
  assert.ok(
    text.includes(`[model.layers: [{${layer}, return_sequences: true}}, {${layer}}}, {dense: {units: 1}}]]`),
    text,
  );
  assert.doesNotMatch(text, /[&*]a1/);
});

test('advice to add batch normalization gives the layers with it after the recurrent one, none where it is there', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const { buildLayers, configSchema } = await import('../../src/config/index.js');
  const ev = { epochs: 20, bestEpoch: 5 } as Parameters<typeof adviceFor>[1];
  const norm = (layers?: Record<string, unknown>[]) =>
    adviceFor('overfitting', ev, layers ? { config: { model: { layers } } } : {}).find(
      (a) => a.factor === 'batch_norm',
    );
  const gru = { gru: { units: 8 } };
  // the diagnosis printed `[model.layers: batch_normalization]`, a value no config takes
  const [layers] = norm([gru, { dense: { units: 1 } }])!.values as Record<string, unknown>[][];
  assert.deepEqual(layers, [gru, { batch_normalization: {} }, { dense: { units: 1 } }]);
  const cfg = configSchema.parse({ data: { csv: 'x.csv', target: 'y', lookback: 12 }, model: { layers } });
  assert.equal(buildLayers('c.yaml', cfg, [12, 1]).length, 3, 'what it suggests builds');
  assert.equal(norm([gru, { batch_normalization: {} }, { dense: { units: 1 } }]), undefined, 'there already');
  assert.equal(norm()!.values, undefined, 'no layers known: the advice, no value');
});

test('underfitting advice lowers only the dropout rates in use (recurrent dropout alone: not a sweep of dropout 0)', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const ev = { epochs: 20, bestEpoch: 17 } as Parameters<typeof adviceFor>[1];
  const withRates = (gru: Record<string, number>) =>
    adviceFor('underfitting', ev, {
      config: { model: { layers: [{ gru: { units: 16, ...gru } }, { dense: { units: 1 } }] } },
    }).filter((a) => a.action === 'decrease');
  const sweeps = (gru: Record<string, number>) => withRates(gru).map((a) => [a.param, a.values]);
  const L = 'model.layers[0].gru';
  assert.deepEqual(sweeps({ recurrent_dropout: 0.2 }), [[`${L}.recurrent_dropout`, [0, 0.1]]]);
  assert.deepEqual(sweeps({ dropout: 0.3 }), [[`${L}.dropout`, [0, 0.15]]]);
  assert.deepEqual(sweeps({ dropout: 0.2, recurrent_dropout: 0.4 }), [
    [`${L}.dropout`, [0, 0.1]],
    [`${L}.recurrent_dropout`, [0, 0.2]],
  ]);
  assert.deepEqual(sweeps({}), []);
});

test('data-set advice lowers the dropout the run has, a dropout layer included; none: no sweep of dropout 0', async () => {
  // The helpers' walk: a GRU(1) without any dropout, read as a data-set problem, got gru.dropout = 0 as its first
  // advice a tuner acts on, the same config trained again; the corpus' data runs ramp a dropout *layer*, which
  // gru.dropout does not touch either.
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const { applyParams } = await import('../../src/tune/index.js');
  const ev = { epochs: 40, bestEpoch: 38 } as Parameters<typeof adviceFor>[1];
  const layersWith = (gru: Record<string, number>, rate?: number) => [
    { gru: { units: 16, ...gru } },
    ...(rate === undefined ? [] : [{ dropout: { rate } }]),
    { dense: { units: 1 } },
  ];
  const sweeps = (layers: Record<string, unknown>[]) =>
    adviceFor('data', ev, { config: { model: { layers } } })
      .filter((a) => !a.param.startsWith('check.'))
      .map((a) => [a.param, a.values]);
  assert.deepEqual(sweeps(layersWith({})), []);
  assert.deepEqual(sweeps(layersWith({}, 0)), []);
  assert.deepEqual(sweeps(layersWith({}, 0.4)), [['model.layers[1].dropout.rate', [0, 0.2]]]);
  assert.deepEqual(sweeps(layersWith({ dropout: 0.3 })), [['model.layers[0].gru.dropout', [0, 0.15]]]);
  const layers = layersWith({}, 0.4);
  assert.deepEqual(applyParams({ model: { layers } }, { 'model.layers[1].dropout.rate': 0 }).model.layers[1], {
    dropout: { rate: 0 },
  });
  // a bare history: its dropout is not known, so the lever in general terms
  assert.ok(adviceFor('data', ev, {}).some((a) => a.factor === 'dropout'));
  // underfitting lowers a dropout layer's rate too
  assert.ok(
    adviceFor('underfitting', ev, { config: { model: { layers } } }).some(
      (a) => a.param === 'model.layers[1].dropout.rate',
    ),
  );
});

test('a loss that never comes within 100x of a naive baseline is a run that blew up, whatever its curves do', () => {
  // The helpers' walk: Adam at a learning rate of 1e6 on standard-scaled data, the loss falling from 3e14 to 4e12.
  const blown = {
    loss: [3e14, 2e14, 1.1e14, 1e14, 9.8e13, 5.8e13, 2.6e13, 2.5e13, 2.8e13, 1.9e13, 9.5e12, 6.1e12, 4.4e12],
    val_loss: [2.4e14, 1.8e14, 2.2e14, 1.2e14, 1.2e13, 1.6e13, 5.2e13, 4.3e13, 7.8e12, 5e11, 9.8e12, 1.3e13, 6e11],
  };
  const config = { train: { optimizer: { adam: { learning_rate: 1e6 } } } };
  assert.notEqual(diagnose(blown, { config }).pattern, 'diverged', 'the shape alone reads as something else');
  const d = diagnose(blown, { config, baseline: { name: 'persistence', loss: 0.1 } });
  assert.equal(d.pattern, 'diverged');
  assert.match(d.summary, /never came near the persistence baseline's 0\.100: its best, 5\.00e\+11, is 5\.0e\+12x/);
  assert.deepEqual(d.advice[0]!.values, [1e4, 1e5], 'a learning rate off by orders of magnitude: 100x and 10x lower');
  // A run near its baseline (or a baseline of another scale than 100x) reads by its curves as before.
  const fine = { loss: blown.loss.map((v) => v / 1e14), val_loss: blown.val_loss.map((v) => v / 1e14) };
  assert.equal(
    diagnose(fine, { config, baseline: { name: 'persistence', loss: 0.1 } }).pattern,
    diagnose(fine, { config }).pattern,
  );
});

test("the reference is the worst naive baseline's validation loss, never the linear model's", async () => {
  const { baselineLoss } = await import('../../src/run/index.js');
  const s = (mse: number) => ({ mse, mae: Math.sqrt(mse), rmse: Math.sqrt(mse) });
  const val = { scaled: { model: s(9), persistence: s(0.002), mean: s(0.9), seasonal_naive: s(0.4), linear: s(1e-6) } };
  const cfg = { data: { csv: 'x', target: 'y', lookback: 4 }, model: { layers: [] } } as never;
  assert.deepEqual(baselineLoss(cfg, { val }), { name: 'mean', loss: 0.9 });
  assert.equal(baselineLoss({ ...(cfg as object), train: { loss: 'huber' } } as never, { val }), undefined);
  // A smooth series: a healthy two-epoch run 160x behind the ridge (the third walk's report) is no blown-up run.
  const young = { loss: [1.57, 0.9, 0.6, 0.5, 0.44, 0.4, 0.38], val_loss: [0.72, 0.5, 0.42, 0.38, 0.35, 0.34, 0.33] };
  assert.notEqual(diagnose(young, { baseline: baselineLoss(cfg, { val }) }).pattern, 'diverged');
  assert.equal(diagnose(young, { baseline: { name: 'linear', loss: 1e-6 } }).pattern, 'diverged', 'as it read');
  // a second season is scored as seasonal_naive_<season>, a naive baseline too
  const seasons = { scaled: { ...val.scaled, seasonal_naive_168: s(2) } };
  assert.deepEqual(baselineLoss(cfg, { val: seasons }), { name: 'seasonal_naive_168', loss: 2 });
  // without the training mean there is no reference: a seasonal naive alone can sit 100x below a healthy young run
  // (a GRU's first epoch on a seasonal series read as diverged, exit 1)
  const { mean: _, ...noMean } = val.scaled;
  assert.equal(baselineLoss(cfg, { val: { scaled: noMean } }), undefined);
});

test('seqtune diagnose --explain prints the trend test per curve and window; --json carries the runner-up', async () => {
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-explain-'));
  try {
    const f = join(dir, 'training.log');
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${i},${0.1 + Math.exp(-i / 8)},${0.5 + 0.01 * i + 0.4 * Math.exp(-i / 4)}`,
    );
    writeFileSync(f, `epoch,loss,val_loss\n${rows.join('\n')}\n`);
    const r = await runCli(['diagnose', f, '--explain']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Mann-Kendall/);
    assert.match(r.out, /train\s+recent 25-40\s+falling\s+-?\d+\s+-?\d+\.\d+/);
    assert.match(r.out, /val\s+whole 1-40/);
    assert.match(r.out, /oscillation \d\.\d\d: training loss swings/);
    const j = await runCli(['diagnose', f, '--json']);
    const d = JSON.parse(j.out) as { runner_up: { pattern: string; confidence: number }; pattern: string };
    assert.ok(d.runner_up.pattern !== d.pattern && d.runner_up.confidence >= 0 && d.runner_up.confidence < 1);
    const jpg = await runCli(['diagnose', f, '--plot', join(dir, 'curves.jpg')]);
    assert.deepEqual(
      [jpg.code, jpg.err],
      [2, `seqtune: --plot: expected a file name ending in .svg or .png, received "${join(dir, 'curves.jpg')}"\n`],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("diagnose --plot replaces only a plot it wrote, as predict and export: never a run's own loss.svg or loss.png", async () => {
  // `diagnose RUN --plot RUN/loss.svg` wrote over the chart train saved in the run folder, exit 0
  const { runCli } = await import('../helpers/run-cli.js');
  const { lossChart, renderSvg, svgToPng } = await import('../../src/plot/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-plot-'));
  try {
    const f = join(dir, 'training.log');
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${0.1 + Math.exp(-i / 8)},${0.2 + Math.exp(-i / 6)}`);
    writeFileSync(f, `epoch,loss,val_loss\n${rows.join('\n')}\n`);
    // as train writes a run's loss chart: seqtune's own, but not diagnose's
    const svg = renderSvg(lossChart({ loss: [1, 0.5], val_loss: [1.1, 0.6] }, { title: 'run' }));
    const theirs = { 'loss.svg': Buffer.from(svg), 'loss.png': Buffer.from(svgToPng(svg)) };
    for (const [name, bytes] of Object.entries(theirs)) {
      writeFileSync(join(dir, name), bytes);
      const r = await runCli(['diagnose', f, '--plot', join(dir, name)]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /loss\.(svg|png): expected a new file or a plot seqtune diagnose wrote, found another file/);
      assert.ok(readFileSync(join(dir, name)).equals(bytes), `${name} is left as it was`);
    }
    // its own plots, .svg and .png, it replaces
    for (const name of ['curves.svg', 'curves.png'])
      for (let k = 0; k < 2; k++) assert.equal((await runCli(['diagnose', f, '--plot', join(dir, name)])).code, 0);
    // of several paths, every file is checked before any is written
    writeFileSync(join(dir, 'many-2.svg'), svg);
    const many = await runCli(['diagnose', f, f, '--plot', join(dir, 'many.svg')]);
    assert.equal(many.code, 2, many.err);
    assert.match(many.err, /many-2\.svg: expected a new file or a plot seqtune diagnose wrote/);
    assert.ok(!existsSync(join(dir, 'many-1.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnose --plot it cannot write is refused before any path is read: a folder there, a folder not there', async () => {
  // it read, diagnosed and printed the curves, then said 'nodir/x.svg: no such file or folder (ENOENT)' without a word
  // of --plot; of two paths, the first one's plot was written and printed before the second's folder said EISDIR
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-plot-to-'));
  try {
    const f = join(dir, 'training.log');
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${0.1 + Math.exp(-i / 8)},${0.2 + Math.exp(-i / 6)}`);
    writeFileSync(f, `epoch,loss,val_loss\n${rows.join('\n')}\n`);
    mkdirSync(join(dir, 'many-2.svg'));
    for (const [paths, plot, said] of [
      [[f, f], join(dir, 'many.svg'), `${join(dir, 'many-2.svg')}: expected a file path, found a folder; name a file`],
      [[f], join(dir, 'nodir', 'x.svg'), `${join(dir, 'nodir', 'x.svg')}: the folder ${join(dir, 'nodir')} does not`],
      [[f], join(f, 'x.png'), `${join(f, 'x.png')}: the folder ${f} is a file, not a folder; choose another --plot`],
    ] as const) {
      const r = await runCli(['diagnose', ...paths, '--plot', plot]);
      assert.deepEqual([r.code, r.out], [2, ''], r.err);
      assert.ok(r.err.startsWith(`seqtune: --plot ${said}`), r.err);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['many-2.svg', 'training.log'], 'no plot written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overfitting advice: no "stop early" for a run that already stops early and restores its best weights', async () => {
  const { adviceFor } = await import('../../src/diagnose/index.js');
  const ev = { epochs: 31, bestEpoch: 20 } as Parameters<typeof adviceFor>[1];
  const layers = [{ gru: { units: 64 } }, { dense: { units: 1 } }];
  const withCallbacks = (callbacks: unknown[]) =>
    adviceFor('overfitting', ev, { config: { train: { epochs: 100, callbacks }, model: { layers } } }).map(
      (a) => a.factor,
    );
  const restoring = { early_stopping: { monitor: 'val_loss', patience: 10, restore_best_weights: true } };
  assert.ok(!withCallbacks([restoring]).includes('early_stopping'), 'it has its best epoch model already');
  assert.ok(
    !withCallbacks([{ early_stopping: { patience: 5, restore_best_weights: true } }]).includes('early_stopping'),
  );
  assert.equal(withCallbacks([])[0], 'early_stopping');
  assert.equal(withCallbacks([{ early_stopping: { patience: 10 } }])[0], 'early_stopping', 'keeps the last epoch');
  assert.equal(
    withCallbacks([{ early_stopping: { monitor: 'loss', restore_best_weights: true } }])[0],
    'early_stopping',
    'restores the best epoch by training loss, not validation',
  );
  assert.equal(withCallbacks([restoring])[0], 'dropout');
});

test('diagnose on a folder without history.json says what it is: an ensemble folder names its members', async (t) => {
  const { runCli } = await import('../helpers/run-cli.js');
  const ens = mkdtempSync(join(tmpdir(), 'seqtune-ens-'));
  t.after(() => rmSync(ens, { recursive: true, force: true }));
  writeFileSync(join(ens, 'ensemble.json'), '{}');
  for (const m of ['member-1', 'member-2']) mkdirSync(join(ens, m));
  const r = await runCli(['diagnose', ens]);
  assert.equal(r.code, 2);
  assert.match(r.err, /an ensemble folder has no curves of its own; diagnose its members \(\S+member-1, \S+member-2\)/);
  const empty = mkdtempSync(join(tmpdir(), 'seqtune-nohist-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  assert.match((await runCli(['diagnose', empty])).err, /no history\.json: expected a seqtune run folder/);
});

test('a plateau (a bottleneck) also advises more units, after the rate, schedule and optimizer', () => {
  // GRU(1) in PyTorch sat on a plateau that 10x and a tenth of the rate did not move; GRU(16) went 13% lower
  const cfg = {
    model: { layers: [{ gru: { units: 1 } }, { dense: { units: 1 } }] },
    train: { optimizer: { adam: { learning_rate: 0.001 } }, epochs: 40 },
  };
  const plateau = syntheticCurves(7, 3).filter((c) => c.label === 'plateau');
  assert.ok(plateau.length > 0);
  let seen = 0;
  for (const c of plateau) {
    const d = diagnose(c.history as never, { config: cfg });
    if (d.pattern !== 'plateau') continue;
    seen++;
    const units = d.advice.find((a) => a.factor === 'units');
    assert.ok(units, JSON.stringify(d.advice.map((a) => a.factor)));
    assert.deepEqual(units.values, [2, 4]);
    assert.ok(d.advice.indexOf(units) > d.advice.findIndex((a) => a.factor === 'optimizer'));
    // the data's scale is not known here: check it; on standard-scaled data there is nothing to check (walk M)
    assert.ok(d.advice.some((a) => a.param === 'check.scaling'));
    const scaled = diagnose(c.history as never, { config: { ...cfg, data: { scale: 'standard' } } });
    assert.ok(!scaled.advice.some((a) => a.param === 'check.scaling'), JSON.stringify(scaled.advice));
  }
  assert.ok(seen > 0, 'a plateau curve read as a plateau');
});

test('diagnose() of something that is no history (readHistory\'s result passed whole) is an error, not "learning"', () => {
  assert.throws(() => diagnose({} as never), /diagnose: expected a history with a non-empty "loss" list/);
  assert.throws(
    () => diagnose({ history: { loss: [1, 0.5] }, source: 'h.json' } as never),
    /pass its \.history\), received keys history, source/,
  );
  // strings or nulls in the lists read as "diverged"
  assert.throws(() => diagnose({ loss: ['a'] } as never), /diagnose: loss\[0\]: expected a number .*, received "a"/);
  assert.throws(
    () => diagnose({ loss: [1, 0.5], val_loss: [1, null] } as never),
    /diagnose: val_loss\[1\]: expected a number \(NaN for a missing value\), received null/,
  );
});

test('the report of a one-epoch run says "1 epoch"', async () => {
  const { diagnosisText } = await import('../../src/diagnose/report.js');
  const text = diagnosisText(diagnose({ loss: [0.5], val_loss: [0.6] }), 'one');
  assert.match(text, /evidence: 1 epoch, best/);
});

test('a validation loss that was NaN at one epoch and finite after it is read on its finite epochs, not as diverged', async () => {
  const loss = Array.from({ length: 20 }, (_, i) => 0.1 + Math.exp(-i / 6) + 0.005 * Math.sin(3 * i));
  const val = Array.from({ length: 20 }, (_, i) => 0.15 + 1.1 * Math.exp(-i / 7) + 0.006 * Math.cos(2 * i));
  const holed = val.map((v, i) => (i === 6 ? NaN : v));
  const d = diagnose({ loss, val_loss: holed });
  assert.equal(d.pattern, 'learning', d.summary);
  assert.equal(d.pattern, diagnose({ loss, val_loss: val }).pattern, 'the verdict of the finite epochs');
  assert.deepEqual([d.evidence.firstNonFinite, d.evidence.notFinite], [null, [6]]);
  assert.match(d.summary, /validation loss was NaN at epoch 7 and finite after it.*left out of the reading/);
  // what is still divergence: NaN at the last epoch, a training loss that was not finite, a climb to huge values
  const end = diagnose({ loss, val_loss: val.map((v, i) => (i === 19 ? NaN : v)) });
  assert.deepEqual([end.pattern, end.evidence.firstNonFinite], ['diverged', 19]);
  assert.equal(diagnose({ loss: loss.map((v, i) => (i === 6 ? NaN : v)), val_loss: val }).pattern, 'diverged');
  const boom = diagnose({ loss, val_loss: holed.map((v, i) => (i > 12 ? 1e4 * v : v)) });
  assert.match(`${boom.pattern} ${boom.summary}`, /^diverged the validation loss exploded/);
  // seqtune diagnose prints the note and the JSON names the epoch, 1-based
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-nan-epoch-'));
  try {
    const f = join(dir, 'training.log');
    const cell = (v: number) => (Number.isNaN(v) ? 'nan' : String(v));
    writeFileSync(f, `epoch,loss,val_loss\n${loss.map((l, i) => `${i},${l},${cell(holed[i]!)}`).join('\n')}\n`);
    const r = await runCli(['diagnose', f]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /still learning \[learning\]/);
    assert.match(r.out, /validation loss was NaN at epoch 7 and finite after it/);
    const j = JSON.parse((await runCli(['diagnose', f, '--json'])).out);
    assert.deepEqual([j.pattern, j.evidence.firstNonFinite, j.evidence.notFinite], ['learning', null, [7]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('advice on a bare history names levers, not config keys; a config beside its history.json names the keys', async () => {
  const loss = [1, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24];
  const overfit = { loss, val_loss: [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75] };
  const flat = { loss: loss.map((_, i) => 0.5 + 0.001 * (i % 2)), val_loss: loss.map((_, i) => 0.6 + 0.001 * (i % 3)) };
  const nan = { loss: [1, 0.5, NaN], val_loss: [1, 0.6, NaN] };
  const bare = [overfit, flat, nan].flatMap((h) => diagnose(h).advice);
  // the optimizer (train.optimizer.adam...) and the layer (model.layers[0].gru...) would be guesses
  for (const a of bare) assert.ok(!/^(train|model|data)\./.test(a.param), JSON.stringify(a));
  assert.ok(bare.some((a) => a.param === 'learning_rate') && bare.some((a) => a.param === 'dropout'));
  assert.equal(bare.find((a) => a.factor === 'optimizer')?.values, undefined, '"another optimizer" than a guess');
  assert.ok(
    bare.every((a) => !/data\.(scale|missing)/.test(a.text)),
    bare.map((a) => a.text).join('\n'),
  );
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bare-advice-'));
  try {
    const f = join(dir, 'history.json');
    writeFileSync(f, JSON.stringify(overfit));
    const r = await runCli(['diagnose', f]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[dropout: 0\.1, 0\.2, 0\.3\]/);
    assert.doesNotMatch(r.out, /model\.layers|train\.optimizer/);
    // the history.json of a run folder, given as a file: the config.yaml beside it says SGD and an LSTM
    const config =
      'model:\n  layers:\n    - lstm: { units: 32 }\n    - dense: { units: 1 }\n' +
      'train:\n  epochs: 10\n  optimizer: { sgd: { learning_rate: 0.05 } }\n';
    writeFileSync(join(dir, 'config.yaml'), config);
    const j = JSON.parse((await runCli(['diagnose', f, '--json'])).out) as { advice: { param: string }[] };
    const params = j.advice.map((a) => a.param);
    assert.ok(params.includes('model.layers[0].lstm.dropout'), params.join(', '));
    // another tool's config.yaml beside a history.json is not the run's
    writeFileSync(join(dir, 'config.yaml'), 'train: ../images/train\nval: ../images/val\n');
    const other = JSON.parse((await runCli(['diagnose', f, '--json'])).out) as { advice: { param: string }[] };
    assert.ok(
      other.advice.some((a) => a.param === 'dropout'),
      JSON.stringify(other.advice),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sgd = diagnose(nan, {
    config: { model: { layers: [] }, train: { optimizer: { sgd: { learning_rate: 10 } } } },
  });
  assert.equal(sgd.advice[0]!.param, 'train.optimizer.sgd.learning_rate');
});

test('a non-finite or exploding loss is named: training or validation, in the summary and on the dashboard', async () => {
  const loss = Array.from({ length: 20 }, (_, i) => 0.1 + Math.exp(-i / 6));
  const val = loss.map((v) => v + 0.05);
  const at = (c: number[], k: number, x: number) => c.map((v, i) => (i >= k ? x : v));
  const said = (h: { loss: number[]; val_loss?: number[] }) => diagnose(h).summary;
  // the walk's case: val_loss NaN at the last epoch only, the training loss finite
  assert.equal(
    said({ loss, val_loss: at(val, 19, NaN) }),
    'the validation loss became NaN at epoch 20, the training loss still finite',
  );
  assert.match(said({ loss: at(loss, 6, NaN), val_loss: val }), /^the training loss became NaN at epoch 7$/);
  assert.match(said({ loss: at(loss, 6, NaN), val_loss: at(val, 6, NaN) }), /^the training and validation losses/);
  assert.match(said({ loss: at(loss, 6, Infinity), val_loss: at(val, 6, NaN) }), /training loss became Infinity and/);
  assert.match(said({ loss: at(loss, 3, Infinity) }), /^the training loss became Infinity at epoch 4$/);
  // explosions: up, and down without bound, of either curve
  assert.match(said({ loss, val_loss: at(val, 15, 1e4) }), /^the validation loss exploded to 1\.00e\+4 at epoch 16/);
  assert.match(said({ loss: at(loss, 15, 1e4), val_loss: val }), /^the training loss exploded/);
  assert.match(said({ loss, val_loss: at(val, 15, -1e4) }), /^the validation loss fell without bound/);
  // a ratio of many digits in two (it read "669145297018468x its lowest before"), a small one whole
  assert.match(
    said({ loss: at(loss, 15, 9.56e14) }),
    /^the training loss exploded to 9\.56e\+14 at epoch 16 \(4\.9e\+15x its/,
  );
  assert.match(said({ loss: at(loss, 15, 1e4) }), /\(50769x its lowest before\)$/);
  // the dashboard's note on the curves words it the same way (what it knows: non-finite, not the value)
  const { becameNonFinite, nonFiniteAt } = await import('../../web/src/pages/diagnosis.js');
  const note = (l: (number | null)[], v: (number | null)[]) =>
    becameNonFinite(
      nonFiniteAt([
        { label: 'loss', values: l },
        { label: 'val_loss', values: v },
      ])!,
    );
  assert.equal(note(loss, at(val, 19, NaN)), 'the validation loss became non-finite at epoch 20');
  assert.equal(
    note(at(loss, 6, NaN), at(val, 6, NaN)),
    'the training and validation losses became non-finite at epoch 7',
  );
  assert.equal(note(at(loss, 6, NaN), at(val, 9, NaN)), 'the training loss became non-finite at epoch 7');
  const objective = nonFiniteAt([{ label: 'objective (per epoch)', values: [0.5, null] }])!;
  assert.equal(becameNonFinite(objective), 'the objective became non-finite at epoch 2');
});

test('advice on a bare history names each lever once, its values as a config file writes them', async () => {
  const loss = [1, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24];
  const overfit = { loss, val_loss: [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75] };
  const options = { monitor: 'val_loss', patience: 3, restore_best_weights: true };
  const bare = diagnose(overfit);
  assert.equal(bare.pattern, 'overfitting');
  const stop = bare.advice.find((a) => a.factor === 'early_stopping')!;
  // was [early_stopping: {"early_stopping":{"monitor":...}}]
  assert.deepEqual([stop.param, stop.values], ['early_stopping', [options]]);
  assert.equal(bare.advice.find((a) => a.factor === 'batch_norm')?.values, undefined, 'not batch_norm: batch_norm...');
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-lever-once-'));
  try {
    const f = join(dir, 'history.json');
    writeFileSync(f, JSON.stringify(overfit));
    const r = await runCli(['diagnose', f]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[early_stopping: \{monitor: val_loss, patience: 3, restore_best_weights: true\}\]/);
    assert.match(r.out, /\[regularization: \{l2: 0\.0001\}, \{l2: 0\.001\}, \{l2: 0\.01\}\]/);
    for (const [, lever, values] of r.out.matchAll(/\[(\w+): (.*)\]$/gm)) assert.ok(!values!.includes(lever!), r.out);
    const j = JSON.parse((await runCli(['diagnose', f, '--json'])).out) as Diagnosis;
    assert.deepEqual(j.advice.find((a) => a.factor === 'early_stopping')?.values, [options]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // with the run's config: the key path, and the callback entry as it goes in the config's list
  const known = diagnose(overfit, { config: { model: { layers: [{ gru: { units: 8 } }] }, train: { epochs: 10 } } });
  const { diagnosisText } = await import('../../src/diagnose/report.js');
  assert.match(
    diagnosisText(known, 'h'),
    /\[train\.callbacks: \{early_stopping: \{monitor: val_loss, patience: 3, restore_best_weights: true\}\}\]/,
  );
});

test('a rise or swing under a schedule that raised the learning rate is advised to keep the rate constant first', () => {
  // The helpers' walk (ETTh1 HUFL, a GRU(16), Adam from 1e-3 with exponential rate 1.2 per epoch): the training
  // loss rose from epoch 20; the advice lowered the base rate 3x, which the schedule raised past 0.1 all the same.
  const n = 40;
  const loss = Array.from({ length: n }, (_, i) => (i < 20 ? 0.5 * 0.95 ** i : 0.5 * 0.95 ** 20 * 1.08 ** (i - 20)));
  const val_loss = loss.map((v) => 1.1 * v);
  const lr = Array.from({ length: n }, (_, i) => 1e-3 * 1.2 ** i);
  const cfg = {
    model: { layers: [{ gru: { units: 16 } }, { dense: { units: 1 } }] },
    train: { epochs: n, optimizer: { adam: { learning_rate: 1e-3 } }, schedule: { exponential: { rate: 1.2 } } },
  };
  const d = diagnose({ loss, val_loss, lr }, { config: cfg });
  assert.equal(d.pattern, 'architecture');
  assert.deepEqual(d.evidence.lr, { from: lr[24], last: lr[39] });
  assert.deepEqual([d.advice[0]!.param, d.advice[0]!.values], ['train.schedule', [{ constant: {} }]]);
  assert.match(
    d.advice[0]!.text,
    /raised the learning rate from 0\.079 to 1\.2 over epochs 25-40, above its base 0\.001/,
  );
  // the same curves at a constant rate, with no lr recorded, or under a warmup that climbs to the base rate (a
  // constant schedule would start at the top): lower the rate, as before; a bare history names no schedule
  const warmup = {
    ...cfg,
    train: { ...cfg.train, optimizer: { adam: { learning_rate: 0.3 } }, schedule: { warmup: { epochs: n } } },
  };
  const cases: [Record<string, number[]>, object, string][] = [
    [{ loss, val_loss, lr: lr.map(() => 1e-3) }, cfg, '0.001'],
    [{ loss, val_loss }, cfg, '0.001'],
    [{ loss, val_loss, lr: lr.map((_, i) => (0.3 * (i + 1)) / n) }, warmup, '0.3'],
  ];
  for (const [h, c, base] of cases) {
    const a = diagnose(h, { config: c as never }).advice[0]!;
    assert.equal(a.param, 'train.optimizer.adam.learning_rate');
    assert.match(a.text, new RegExp(`from ${base} to`));
  }
  assert.ok(!diagnose({ loss, val_loss, lr }).advice.some((a) => a.factor === 'schedule'));
});

test("a rate 100x or more below its optimizer's usual one: the usual rate first, not ten times the rate", () => {
  // nine plateaus of SGD at 1e-7 (a helper's walk) were advised 1e-6 and gained under 1%; 0.01 is SGD's usual rate
  const cfg = (optimizer: Record<string, unknown>) => ({
    model: { layers: [{ gru: { units: 8 } }, { dense: { units: 1 } }] },
    train: { optimizer, epochs: 40 },
  });
  const curves = syntheticCurves(7, 3).filter((c) => c.label === 'plateau' || c.label === 'learning');
  let seen = 0;
  for (const c of curves) {
    const far = diagnose(c.history as never, { config: cfg({ sgd: { learning_rate: 1e-7 } }) });
    if (far.pattern !== 'plateau' && far.pattern !== 'learning') continue;
    seen++;
    const rate = far.advice.filter((a) => a.factor === 'learning_rate');
    assert.equal(rate.length, 1, JSON.stringify(far.advice));
    assert.deepEqual(rate[0]!.values, [0.01, 1e-6]);
    assert.match(rate[0]!.text, /sgd's usual .*0\.01.*1e-7 is 100000x below|1e-7 is 100000x below sgd's usual 0\.01/);
    if (far.pattern === 'plateau') assert.equal(far.advice[0], rate[0], 'the rate first on a plateau');
    // a rate near the usual one keeps the advice in steps of it
    const near = diagnose(c.history as never, { config: cfg({ adam: { learning_rate: 0.0005 } }) });
    const step = near.advice.find((a) => a.factor === 'learning_rate')!;
    assert.ok(Array.isArray(step.values) && step.values[0] !== 0.001, JSON.stringify(step));
  }
  assert.ok(seen > 0, 'a plateau or learning curve read as such');
});
