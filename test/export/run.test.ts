// Run folders exported with `seqtune export`: with --raw-io, ONNX Runtime on raw CSV windows gives the forecasts
// `seqtune predict` writes (original units, within 1e-4 relative), for relative and absolute windows, targets in
// and out of the features, vector and sequence outputs, ensembles as one graph; the metadata says the names, shapes,
// units and scaler.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { syntheticSeries } from '../../src/data/index.js';
import { predictRun } from '../../src/run/index.js';
import { runCli } from '../helpers/run-cli.js';
import { runOnnx } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-export-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const ROWS = 360;
/** time, value (around 10), other (around 1000, another seed): two columns on very different scales. */
function csvText(): string {
  const a = syntheticSeries({ length: ROWS, seed: 3 }),
    b = syntheticSeries({ length: ROWS, seed: 4 });
  const lines = ['time,value,other'];
  for (let i = 0; i < ROWS; i++) lines.push(`${i},${a[i]!.toFixed(4)},${(b[i]! * 50 + 1000).toFixed(3)}`);
  return `${lines.join('\n')}\n`;
}

/** Trains a tiny run (2 epochs) from a data section and layers; returns its folder and the CSV's path. */
async function trainRun(
  name: string,
  data: string,
  layers: string,
  extra = '',
  text = csvText(),
): Promise<{ run: string; csv: string }> {
  const d = join(dir, name);
  mkdirSync(d);
  const csv = join(d, 'd.csv');
  writeFileSync(csv, text);
  writeFileSync(
    join(d, 'c.yaml'),
    `seed: 3\ndata:\n  csv: d.csv\n  time: time\n${data}\nmodel:\n${extra}  layers:\n${layers}\ntrain:\n  epochs: 2\n`,
  );
  const r = await runCli(['train', join(d, 'c.yaml'), '--out', join(d, 'run')]);
  assert.equal(r.code, 0, r.err);
  return { run: join(d, 'run'), csv };
}

/**
 * Raw windows (N, L, features) of the CSV ending at every origin row predict forecasts from, and last values; a
 * categorical column's cells encoded with the codes the model's metadata gives (seqtune.encodings).
 */
function rawWindows(csv: string, L: number, features: string[], targets: string[], codes: Record<string, string[]>) {
  const [head, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const cells = rows.map((r) =>
    r.split(',').map((v, j) => (codes[cols[j]!] ? codes[cols[j]!]!.indexOf(v) : Number(v))),
  );
  const N = rows.length - L + 1,
    F = features.length;
  const x = new Float32Array(N * L * F),
    last = new Float32Array(N * targets.length);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < L; t++)
      features.forEach((f, j) => {
        x[(n * L + t) * F + j] = cells[n + t]![cols.indexOf(f)]!;
      });
    targets.forEach((k, j) => {
      last[n * targets.length + j] = cells[n + L - 1]![cols.indexOf(k)]!;
    });
  }
  return { x, last, N };
}

/** predict's forecasts (original units) as one array, horizon-major per origin row. */
async function predicted(run: string, csv: string): Promise<Float32Array> {
  const [head, ...lines] = (await predictRun(run, csv)).join('').trim().split('\n');
  const first = head!.split(',').findIndex((c) => c.includes('_t+'));
  return Float32Array.from(lines.flatMap((l) => l.split(',').slice(first).map(Number)));
}

/** The largest |onnx - predict| / |predict| over every forecast (predict prints six significant digits). */
async function rawRelativeError(run: string, csv: string, features: string[], targets: string[], L: number) {
  const out = join(run, 'raw.onnx');
  const r = await runCli(['export', run, '--format', 'onnx', '--raw-io', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.err.includes('warning'), r.err); // columns at 10 and 1000: float32 holds them
  const meta = metadataOf(out);
  const w = rawWindows(csv, L, features, targets, JSON.parse(meta['seqtune.encodings'] ?? '{}'));
  const inputs: Record<string, { data: Float32Array; dims: number[] }> = {
    window: { data: w.x, dims: [w.N, L, features.length] },
  };
  if (JSON.parse(meta['seqtune.inputs']!).length === 2)
    inputs.last_value = { data: w.last, dims: [w.N, targets.length] };
  const got = await runOnnx(readFileSync(out), inputs);
  const want = await predicted(run, csv);
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!));
  return worst;
}

function metadataOf(file: string): Record<string, string> {
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(file));
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}

test('--raw-io: relative windows, target among the features, a linear skip: forecasts as predict writes', async () => {
  const { run, csv } = await trainRun(
    'relative',
    '  features: [value, other]\n  target: value\n  lookback: 12\n  horizon: 3\n  relative: true',
    '    - gru: {units: 6}\n    - dense: {units: 3}',
    '  linear_skip: true\n',
  );
  const err = await rawRelativeError(run, csv, ['value', 'other'], ['value'], 12);
  assert.ok(err <= 1e-4, `relative error ${err}`);
});

test('--raw-io: a target that is not a feature comes in as last_value (robust scaling)', async () => {
  const { run, csv } = await trainRun(
    'last-value',
    '  features: [other]\n  target: value\n  lookback: 8\n  horizon: 2\n  relative: true\n  scale: robust',
    '    - lstm: {units: 5}\n    - dense: {units: 2}',
  );
  const err = await rawRelativeError(run, csv, ['other'], ['value'], 8);
  assert.ok(err <= 1e-4, `relative error ${err}`);
  const meta = metadataOf(join(run, 'raw.onnx'));
  assert.deepEqual(
    JSON.parse(meta['seqtune.inputs']!).map((i: { name: string; shape: unknown[] }) => [i.name, i.shape]),
    [
      ['window', ['batch', 8, 1]],
      ['last_value', ['batch', 1]],
    ],
  );
  // exported without --raw-io: the window is relative to its last step, the forecast to the target's last value
  assert.equal((await runCli(['export', run, '--out', join(run, 'plain.onnx')])).code, 0);
  const plain = metadataOf(join(run, 'plain.onnx'));
  const docs = (key: string) => JSON.parse(plain[key]!).map((i: { meaning: string }) => i.meaning);
  assert.deepEqual(docs('seqtune.inputs'), [
    'the last 8 rows (columns other), scaled, relative to the last input step',
  ]);
  assert.deepEqual(docs('seqtune.outputs'), [
    "forecasts, horizon-major, targets value, scaled, relative to each target's last value",
  ]);
});

test('--raw-io: two targets, a sequence output (encoder-decoder), minmax, relative: forecasts as predict writes', async () => {
  const { run, csv } = await trainRun(
    'two-targets',
    '  features: [value, other]\n  target: [value, other]\n  lookback: 10\n  horizon: 2\n  relative: true\n' +
      '  scale: minmax',
    '    - gru: {units: 6}\n    - repeat_vector: {n: 2}\n    - gru: {units: 4, return_sequences: true}\n' +
      '    - time_distributed: {dense: {units: 2}}',
  );
  const err = await rawRelativeError(run, csv, ['value', 'other'], ['value', 'other'], 10);
  assert.ok(err <= 1e-4, `relative error ${err}`);
});

test('--raw-io with a label-encoded column: the metadata gives its codes, and windows encoded with them forecast as predict', async () => {
  const kinds = ['mid', 'low', 'high', 'low'];
  const [head, ...rows] = csvText().trim().split('\n');
  const text = [`${head},kind`, ...rows.map((r, i) => `${r},${kinds[Math.floor(i / 5) % 4]}`)].join('\n');
  const { run, csv } = await trainRun(
    'label',
    '  categorical: {kind: label}\n  features: [value, kind]\n  target: value\n  lookback: 6\n  horizon: 2',
    '    - gru: {units: 4}\n    - dense: {units: 2}',
    '',
    `${text}\n`,
  );
  const err = await rawRelativeError(run, csv, ['value', 'kind'], ['value'], 6);
  assert.ok(err <= 1e-4, `relative error ${err}`);
  // in the order the categories first appear in the CSV (label codes: data.categorical)
  assert.deepEqual(JSON.parse(metadataOf(join(run, 'raw.onnx'))['seqtune.encodings']!), {
    kind: ['mid', 'low', 'high'],
  });
});

test('--raw-io on absolute windows, and the plain export: names, shapes, units and the scaler in metadata', async () => {
  const { run, csv } = await trainRun(
    'absolute',
    '  features: [value, other]\n  target: value\n  lookback: 6\n  horizon: 2',
    '    - bidirectional: {gru: {units: 4}}\n    - dense: {units: 2}',
  );
  const err = await rawRelativeError(run, csv, ['value', 'other'], ['value'], 6);
  assert.ok(err <= 1e-4, `relative error ${err}`);
  const r = await runCli(['export', run]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /model\.onnx/);
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(join(run, 'model.onnx')));
  assert.equal(Number(m.opsetImport[0]!.version), 17);
  const dims = (v: onnxProto.onnx.IValueInfoProto) =>
    v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(
    m.graph!.input!.map((v) => [v.name, dims(v)]),
    [['window', ['batch', 6, 2]]],
  );
  assert.deepEqual(
    m.graph!.output!.map((v) => [v.name, dims(v)]),
    [['forecast', ['batch', 2]]],
  );
  const meta = metadataOf(join(run, 'model.onnx'));
  const saved = JSON.parse(readFileSync(join(run, 'model', 'data.json'), 'utf8'));
  assert.deepEqual(JSON.parse(meta['seqtune.scaler']!), saved.scaler);
  assert.equal(meta['seqtune.units'], 'scaled');
  assert.equal(meta['seqtune.raw_io'], 'false');
  assert.deepEqual(JSON.parse(meta['seqtune.features']!), ['value', 'other']);
  assert.equal(meta['seqtune.lookback'], '6');
});

test('--raw-io on an ensemble folder: the members and their stacked or weighted fusion as one graph', async () => {
  const data = '  features: [value, other]\n  target: value\n  lookback: 8\n  horizon: 2\n  relative: true';
  const a = await trainRun('member-a', data, '    - gru: {units: 5}\n    - dense: {units: 2}');
  const b = await trainRun(
    'member-b',
    data,
    '    - conv1d: {filters: 3, kernel_size: 2}\n    - lstm: {units: 4}\n    - dense: {units: 2}',
  );
  const uses = {
    stacked: [
      [0.05, 0.6, 0.5],
      [-0.02, 0.3, 0.8],
    ],
    weighted: [0.3, 0.7],
  };
  for (const [method, weights] of Object.entries(uses)) {
    const ens = join(dir, `ensemble-${method}`);
    cpSync(a.run, join(ens, 'member-1'), { recursive: true });
    cpSync(b.run, join(ens, 'member-2'), { recursive: true });
    const use = { method, members: ['member-1', 'member-2'], weights };
    writeFileSync(join(ens, 'ensemble.json'), JSON.stringify({ format: 'seqtune-ensemble', version: 1, use }));
    const err = await rawRelativeError(ens, a.csv, ['value', 'other'], ['value'], 8);
    assert.ok(err <= 1e-4, `${method}: relative error ${err}`);
  }
});

test('--raw-io warns of a column float32 cannot carry to its moves (a meter at 1e7 that moves by 20 a row)', async () => {
  // its spread over the training rows, about 1,450, is over 1,000 float32 steps of 1: judged by spread alone nothing
  // was said, and rounded to whole units its moves lose a twentieth (a meter moving by 5 a row: ONNX forecasts 1.15
  // from predict's, a third of the linear baseline's RMSE)
  const a = syntheticSeries({ length: ROWS, seed: 6 });
  const text = `time,meter\n${Array.from(a, (v, i) => `${i},${(1e7 + 20 * i + 3 * v).toFixed(0)}`).join('\n')}\n`;
  const { run } = await trainRun(
    'meter-moves',
    '  target: meter\n  lookback: 6\n  relative: true',
    '    - gru: {units: 3}\n    - dense: {units: 1}',
    '',
    text,
  );
  const saved = JSON.parse(readFileSync(join(run, 'model', 'data.json'), 'utf8'));
  assert.ok(saved.scaler.scale[0] > 1000, `the premise: a spread over 1,000 steps of 1 (${saved.scaler.scale[0]})`);
  const raw = await runCli(['export', run, '--raw-io', '--out', join(run, 'raw.onnx')]);
  assert.equal(raw.code, 0, raw.err);
  assert.match(raw.err, /column "meter" lies near 1\.0e\+7 and moves by about 20 a row: .* steps of 1\.0 \(5\.0% /);
});

test('--raw-io warns of a column float32 cannot carry to its spread (a level of 1e12 moving by 1e5), naming it', async () => {
  const a = syntheticSeries({ length: ROWS, seed: 5 });
  const text = `time,meter\n${Array.from(a, (v, i) => `${i},${(1e12 + v * 1e5).toFixed(0)}`).join('\n')}\n`;
  const { run } = await trainRun(
    'meter',
    '  features: [meter]\n  target: meter\n  lookback: 6',
    '    - gru: {units: 3}\n    - dense: {units: 1}',
    '',
    text,
  );
  const raw = await runCli(['export', run, '--raw-io', '--out', join(run, 'raw.onnx')]);
  assert.equal(raw.code, 0, raw.err);
  const says = /seqtune export: warning: column "meter" lies near 1\.0e\+12 .* rounds it to steps of 6\.6e\+4 /;
  assert.match(raw.err, says);
  // the scaled graph leaves the scaling to the caller: nothing to say
  const plain = await runCli(['export', run, '--out', join(run, 'plain.onnx')]);
  assert.equal(plain.code, 0, plain.err);
  assert.equal(plain.err, '');
});
