// What `seqtune export` refuses, each with one line on stderr and exit 2, leaving no file behind: a folder with
// no trained model, an ensemble whose members take different windows, a layer with no ONNX form, an output path
// that cannot be written or holds a file export did not write, an unknown format. The library call refuses a model
// that is not built and --raw-io without a data description.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExportError, exportOnnx } from '../../src/export/index.js';
import {
  type Act,
  dense,
  gru,
  Layer,
  type LayerConfig,
  registerLayer,
  type SeqShape,
  selectTimestep,
} from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-export-bad-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A layer defined outside seqtune (registered for loading only): it has no ONNX form. */
class Doubler extends Layer {
  readonly className = 'Doubler';
  constructor(c: LayerConfig = {}) {
    super(c.name as string | undefined, 'doubler');
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }
  forward(x: Act): Act {
    return x;
  }
  backward(dy: Act): Act {
    return dy;
  }
  getConfig(): LayerConfig {
    return { name: this.name };
  }
}
registerLayer('Doubler', (c) => new Doubler(c));

/** A run trained one epoch on a small sine (a cosine `x` beside it with two columns), windows of `lookback` steps. */
async function train(name: string, lookback: number, columns = 1): Promise<string> {
  const d = join(dir, name);
  mkdirSync(d);
  const row = (i: number) => [Math.sin(i / 3), Math.cos(i / 5) * 40 + 100].slice(0, columns).map((v) => v.toFixed(4));
  const rows = Array.from({ length: 60 }, (_, i) => row(i).join(','));
  const csv = `${['y', 'x'].slice(0, columns).join(',')}\n${rows.join('\n')}\n`;
  writeFileSync(join(d, 'd.csv'), csv);
  writeFileSync(
    join(d, 'c.yaml'),
    `data:\n  csv: d.csv\n  target: y\n  lookback: ${lookback}\n` +
      'model:\n  layers:\n    - gru: {units: 3}\n    - dense: {units: 1}\n' +
      'train:\n  epochs: 1\n',
  );
  const r = await runCli(['train', join(d, 'c.yaml'), '--out', join(d, 'run')]);
  assert.equal(r.code, 0, r.err);
  return join(d, 'run');
}

let trained: string, longer: string, two: string;
test.before(async () => {
  trained = await train('trained', 4);
  longer = await train('longer', 5);
  two = await train('two', 4, 2);
});

/** Runs export; asserts exit 2, one line on stderr matching `line`, and that `folder` holds what it held before. */
async function refused(args: string[], line: RegExp, folder: string): Promise<void> {
  const before = readdirSync(folder).sort();
  const r = await runCli(['export', ...args]);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, line);
  assert.deepEqual(readdirSync(folder).sort(), before);
}

test('a folder without a trained model', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const line = /empty: expected a trained run with model\/model.json \(or an ensemble.json\), found no model/;
  await refused([empty], line, empty);
  await refused([join(dir, 'nope')], /nope: expected a run folder, found nothing/, dir);
  // a folder of runs names a few, as predict and evaluate do (one checkRunDir): export said 'found no model' alone
  const runs = join(dir, 'runs');
  cpSync(trained, join(runs, 'r1'), { recursive: true });
  await refused([runs], /runs: expected a trained run .*, found no model; the run folders in it: r1\n$/, runs);
});

test('an ensemble whose members take windows of different lengths: refused, naming the member', async () => {
  const ens = join(dir, 'ensemble');
  cpSync(trained, join(ens, 'member-1'), { recursive: true });
  cpSync(longer, join(ens, 'member-2'), { recursive: true });
  const use = { method: 'mean', members: ['member-1', 'member-2'], weights: [0.5, 0.5] };
  writeFileSync(join(ens, 'ensemble.json'), JSON.stringify({ format: 'seqtune-ensemble', version: 1, use }));
  await refused(
    [ens],
    /ensemble member 2: expected the input and output shapes of member 1 .*"T":4.*found .*"T":5/,
    ens,
  );
});

test('a layer with no ONNX form: refused, naming the layer and what can be exported', async () => {
  const run = join(dir, 'custom');
  cpSync(trained, run, { recursive: true });
  const m = sequential([new Doubler({ name: 'doubler_1' }), gru({ units: 3 }), dense({ units: 1 })], {
    inputShape: [4, 1],
  });
  await m.save(join(run, 'model'));
  await refused([run], /layer doubler_1: Doubler has no ONNX form; exportable: GRU, LSTM/, run);
});

test('a model.json whose select_timestep index is no integer: refused, naming the layer and the key', async () => {
  // export died on it (exit 1, a RangeError from BigInt), and predict read a step that is none, or step 0 for null
  const run = join(dir, 'select-edited');
  cpSync(trained, run, { recursive: true });
  const m = sequential([gru({ units: 3, returnSequences: true }), selectTimestep(-1), dense({ units: 1 })], {
    inputShape: [4, 1],
  });
  await m.save(join(run, 'model'));
  m.dispose();
  const file = join(run, 'model', 'model.json');
  const saved = readFileSync(file, 'utf8');
  for (const [index, shown] of [
    [1.5, '1.5'],
    ['-1', '"-1"'],
    [null, 'null'],
  ] as const) {
    const j = JSON.parse(saved);
    j.layers[1].config.index = index;
    writeFileSync(file, JSON.stringify(j));
    const line = `model.json: layers[1]: SelectTimestep.index: expected an integer, received ${shown}\n$`;
    await refused([run, '--raw-io'], new RegExp(line.replace(/[[\]().]/g, '\\$&')), run);
  }
});

test('an output path that cannot be written: nothing is left there', async () => {
  const out = join(dir, 'out');
  mkdirSync(join(out, 'taken.onnx'), { recursive: true });
  await refused(
    [trained, '--out', join(out, 'no-such-folder', 'm.onnx')],
    // it said 'cannot write the ONNX file (ENOENT)', which did not say what was missing
    /^seqtune: --out \S+m\.onnx: the folder \S+no-such-folder does not exist; create it or choose another --out\n$/,
    out,
  );
  await refused(
    [trained, '--out', join(trained, 'metrics.json', 'm.onnx')],
    /m\.onnx: the folder \S+metrics\.json is a file, not a folder; choose another --out\n$/,
    trained,
  );
  // a folder at --out was told after the model was read and exported: 'taken.onnx: cannot write the ONNX file (EISDIR)'
  await refused(
    [trained, '--out', join(out, 'taken.onnx')],
    /^seqtune: --out \S+taken\.onnx: expected a file path, found a folder; name a file in it or choose another --out$/m,
    out,
  );
  await refused([trained, '--format', 'tflite'], /argument 'tflite' is invalid. Allowed choices are onnx/, trained);
});

test("an existing file that is not a model seqtune exported (the run's weights, a CSV) is left as it was", async () => {
  const run = join(dir, 'keep');
  cpSync(trained, run, { recursive: true });
  const weights = join(run, 'model', 'weights.bin'),
    before = readFileSync(weights);
  const line = /weights\.bin: expected a new file or an ONNX model seqtune exported, found another file/;
  await refused([run, '--out', weights], line, join(run, 'model'));
  assert.deepEqual(readFileSync(weights), before);
  await refused([run, '--raw-io', '--out', join(run, 'config.yaml')], /config\.yaml: expected a new file/, run);
  // a model it exported is replaced: the run exported again
  for (let i = 0; i < 2; i++) assert.equal((await runCli(['export', run, '--out', join(run, 'm.onnx')])).code, 0);
});

test("a run whose model/data.json lacks what export reads, or is not its model's: one line naming the file", async () => {
  const data = (j: Record<string, unknown>) => j.data as Record<string, unknown>;
  const cases: [(j: Record<string, unknown>) => void, RegExp][] = [
    [
      (j) => (data(j).lookback = 5),
      /data\.json: data\.lookback: the model in model\.json reads windows of 4 steps, found 5\n/,
    ],
    [
      (j) => (data(j).horizon = 3),
      /data\.json: data\.horizon x targets: the model in model\.json outputs 1 value a window, found horizon 3 x 1/,
    ],
    [(j) => (data(j).horizon = 0), /data\.json: data\.horizon: expected a positive integer, found 0/],
    // read as relative by predict and the --raw-io graph, written as found ("false", "1") in the ONNX metadata
    [(j) => (data(j).relative = 'false'), /data\.json: data\.relative: expected true or false, found "false"\n/],
    [(j) => (data(j).relative = 1), /data\.json: data\.relative: expected true or false, found 1\n/],
    // the training CSV's date order: "false" (a string) read 01/02/2024 as the 1st of February in predict
    [(j) => (j.dayFirst = 'false'), /data\.json: dayFirst: expected true or false, found "false"\n/],
    // readCsv would split the CSV's fields at another byte than a config can name
    [(j) => (data(j).separator = '|'), /data\.json: data\.separator: expected ",", ";" or "\\t", found "\|"\n/],
    [(j) => delete j.features, /data\.json: features: expected a list of column names, found nothing/],
    [(j) => (j.data = {}), /data\.json: data\.lookback: expected a positive integer, found nothing/],
    [
      (j) => ((j.scaler as { scale: number[] }).scale = []),
      /data\.json: scaler\.scale: expected one number per column of scaler\.columns \(1\), found \[\]/,
    ],
    // export wrote the graph, warning of 'Infinity% of its spread', where predict refused; a negative one crashed
    // predict (exit 1, a RangeError)
    [
      (j) => ((j.scaler as { scale: number[] }).scale = [0]),
      /data\.json: scaler\.scale: expected a positive number for each column, found 0 for y\n/,
    ],
    [
      (j) => ((j.scaler as { scale: number[] }).scale = [-0.5]),
      /data\.json: scaler\.scale: expected a positive number for each column, found -0\.5 for y\n/,
    ],
    // JSON holds no Infinity, but 1e999 reads as one
    [
      (j) => ((j.scaler as { center: unknown[] }).center = ['1e999']),
      /data\.json: scaler\.center: expected a finite number for each column, found Infinity for y\n/,
    ],
  ];
  for (const [i, [edit, line]] of cases.entries()) {
    const run = join(dir, `data-json-${i}`);
    cpSync(trained, run, { recursive: true });
    const file = join(run, 'model', 'data.json');
    const j = JSON.parse(readFileSync(file, 'utf8'));
    edit(j);
    writeFileSync(file, JSON.stringify(j).replace('"1e999"', '1e999'));
    await refused([run, '--raw-io'], line, run);
  }
});

test("a model/data.json whose scaler.columns are not the model's features and targets: refused, naming the file", async () => {
  // swapped, the export scaled y with x's center and scale and wrote the model (exit 0): its forecasts were x's size
  const cases: [(j: Record<string, unknown>) => void, string][] = [
    [(j) => (j.features = ['x', 'y']), '(x, y), found y, x'],
    [(j) => (j.features = ['y', 'y']), '(y, y), found y, x'],
    [(j) => ((j.scaler as { columns: string[] }).columns = ['y', 'z']), '(y, x), found y, z'],
  ];
  for (const [i, [edit, found]] of cases.entries()) {
    const run = join(dir, `columns-${i}`);
    cpSync(two, run, { recursive: true });
    const file = join(run, 'model', 'data.json');
    const j = JSON.parse(readFileSync(file, 'utf8'));
    edit(j);
    writeFileSync(file, JSON.stringify(j));
    const line =
      'model/data.json: scaler.columns: expected the features, then the targets that are not features, each once ' +
      `${found}\n$`;
    for (const raw of [[], ['--raw-io']])
      await refused([run, ...raw], new RegExp(line.replace(/[[\]().]/g, '\\$&')), run);
  }
});

test('the library call: a model that is not built, raw IO without the data it was trained on, data of another horizon', () => {
  assert.throws(() => exportOnnx(sequential([gru({ units: 2 }), dense({ units: 1 })])), ExportError);
  const m = sequential([gru({ units: 2 }), dense({ units: 1 })], { inputShape: [3, 1] });
  assert.throws(() => exportOnnx(m, { rawIO: true }), /rawIO: needs options.data/);
  const scaler = { kind: 'standard' as const, columns: ['y'], center: [0], scale: [1] };
  const data = { lookback: 3, horizon: 2, features: ['y'], targets: ['y'], scaler, relative: false };
  // one of each in the singular: it said "the model's 1 outputs, found horizon 2 x 1 targets (y)"
  assert.throws(
    () => exportOnnx(m, { data }),
    /^ExportError: data: expected horizon x targets to be the model's 1 output, found horizon 2 x 1 target \(y\)$/,
  );
  assert.throws(
    () => exportOnnx(m, { data: { ...data, lookback: 4 } }),
    /^ExportError: data: expected lookback 3 and 1 feature as the model's input, found lookback 4 and 1 feature \(y\)$/,
  );
  m.dispose();
  // a sequence out of 2 values a step, read as 3 targets: the targets were listed as (a,b,c)
  const seq = sequential([gru({ units: 2, returnSequences: true }), dense({ units: 2 })], { inputShape: [3, 2] });
  const abc = { kind: 'standard' as const, columns: ['a', 'b', 'c'], center: [0, 0, 0], scale: [1, 1, 1] };
  const three = { ...data, features: ['a', 'b'], targets: ['a', 'b', 'c'], scaler: abc };
  assert.throws(
    () => exportOnnx(seq, { rawIO: true, data: three }),
    /^ExportError: rawIO: the model's output has 2 values per step, not a multiple of the 3 targets \(a, b, c\)$/,
  );
  seq.dispose();
});
