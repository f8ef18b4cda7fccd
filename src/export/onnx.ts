// exportOnnx: a built seqtune model (or an ensemble of models, fusion.ts) as an ONNX model (opset 17, dynamic batch)
// that ONNX Runtime runs with the same numbers. The graph's input is `window` (batch, lookback, features) and its
// output `forecast`, (batch, F) or (batch, T, F) as the model's output; with rawIO (and the run's data
// description) both are in the data's own units and the scaling and relative transform are graph operators
// (io.ts). The names, shapes, units, columns and the scaler are written into the model's metadata_props either way.
import { readFileSync } from 'node:fs';
import type { Stack } from '../nn/index.js';
import { ExportError } from './errors.js';
import { type Exportable, emitPredictor, modelsWithOneShape } from './fusion.js';
import { GraphBuilder, type ValueInfo } from './graph.js';
import { type ExportData, needsLastValue, rawInput, rawOutput } from './io.js';
import type { Sym } from './types.js';

export interface ExportOptions {
  /** The data the model was trained on (a run's model/data.json): written as metadata, and needed by rawIO. */
  data?: ExportData;
  /** Take raw windows and return forecasts in original units: scaling and the relative transform in the graph. */
  rawIO?: boolean;
  /** The graph's name (default "seqtune"). */
  name?: string;
}

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `1 target`, `2 targets`: the shape messages said "1 targets" for the usual one-target run. */
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The model's input and output shapes, checked against the data description when there is one. */
function shapes(model: Stack, o: ExportOptions): { input: [number, number]; output: Sym } {
  const inS = model.inputShape,
    outS = model.outputShape;
  if (!model.built || !inS || !outS || inS.T === null)
    throw new ExportError('model: not built; give the first layer an inputShape [lookback, features], or load it');
  const d = o.data;
  if (d && (d.lookback !== inS.T || d.features.length !== inS.F))
    throw new ExportError(
      `data: expected lookback ${inS.T} and ${count(inS.F, 'feature')} as the model's input, ` +
        `found lookback ${d.lookback} and ${count(d.features.length, 'feature')} (${d.features.join(', ')})`,
    );
  const P = (outS.T ?? 1) * outS.F;
  if (d && d.horizon * d.targets.length !== P)
    throw new ExportError(
      `data: expected horizon x targets to be the model's ${count(P, 'output')}, found horizon ${d.horizon} x ` +
        `${count(d.targets.length, 'target')} (${d.targets.join(', ')})`,
    );
  if (o.rawIO && !d)
    throw new ExportError('rawIO: needs options.data, the scaler and columns the model was trained on');
  return { input: [inS.T, inS.F], output: { name: '', T: outS.T, F: outS.F } };
}

/**
 * The model, or an ensemble of models (a Fusion, a SnapshotEnsemble, one inside another) as one graph, as ONNX
 * bytes. Layers with no ONNX form are refused with an ExportError naming the layer.
 * @example
 * import { writeFile } from 'node:fs/promises';
 * import { dense, exportOnnx, gru, sequential } from 'seqtune';
 * import { prepareData } from 'seqtune/data';
 * const spec = { csv: 'data.csv', target: 'value', lookback: 24, horizon: 1, relative: false };
 * const data = await prepareData(spec, spec.csv);
 * const model = sequential([gru({ units: 16, inputShape: [24, data.features.length] }), dense({ units: 1 })]);
 * model.compile({ loss: 'mse' });
 * await model.fit(data.windows.train.inputs(), data.windows.train.targets(), { epochs: 5 });
 * // the data as model/data.json holds it; rawIO: inputs and outputs in the CSV's own units
 * const bytes = exportOnnx(model, { data: { ...data, ...spec }, rawIO: true });
 * await writeFile('model.onnx', bytes);
 */
export function exportOnnx(model: Exportable, options: ExportOptions = {}): Uint8Array {
  const stacks = modelsWithOneShape(model);
  const { input, output } = shapes(stacks[0]!, options);
  const g = new GraphBuilder();
  const d = options.rawIO ? options.data! : undefined;
  const window = g.claim('window');
  // claimed before any layer is written: a layer named "forecast" (a name the library API lets a caller give) took
  // it as its output's name, and the graph defined "forecast" twice, which ONNX Runtime refuses to load
  const forecast = g.claim('forecast');
  const lastValue = d && needsLastValue(d) ? g.claim('last_value') : null;
  const pre = d ? rawInput(g, d, window) : { model: window, scaled: '' };
  const x: Sym = { name: pre.model, T: input[0], F: input[1] };
  const y = emitPredictor(g, model, x);
  if (y.T !== output.T || y.F !== output.F)
    throw new ExportError(`model: the graph's output (${y.T}, ${y.F}) is not the model's (${output.T}, ${output.F})`);
  const out = d ? rawOutput(g, d, y, pre.scaled, lastValue) : y.name;
  g.output(out, forecast);
  const io = describe(input, output, options, lastValue !== null);
  return g.encode({
    name: options.name ?? 'seqtune',
    inputs: io.inputs,
    outputs: io.outputs,
    metadata: metadata(io, options),
    doc: io.doc,
    producerVersion: version(),
  });
}

/** What a caller does around the graph, in words. */
function preprocessing(o: ExportOptions): string {
  const d = o.data;
  if (o.rawIO) return 'none: the graph scales the window and returns forecasts in original units';
  if (!d) return 'as the model was trained';
  const rel = d.relative;
  return (
    'scale each feature (x - center) / scale with seqtune.scaler' +
    (rel ? ", then subtract each feature's scaled value at the last step" : '') +
    '; on the output' +
    (rel ? ", add each target's scaled value at the last step, then" : '') +
    ' y * scale + center per target'
  );
}

interface Described {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  units: string;
  doc: string;
}

/** The graph's inputs and outputs with their shapes, and what their values mean. */
function describe(input: [number, number], output: Sym, o: ExportOptions, lastValue: boolean): Described {
  const d = o.data,
    raw = o.rawIO === true;
  const units = raw ? 'original' : d ? (d.relative ? 'scaled, relative to the last input step' : 'scaled') : 'model';
  const outShape = output.T === null ? ['batch', output.F] : ['batch', output.T, output.F];
  const cols = d ? ` (columns ${d.features.join(', ')})` : '';
  const inputs: ValueInfo[] = [
    { name: 'window', shape: ['batch', ...input], doc: `the last ${input[0]} rows${cols}, ${units}` },
  ];
  if (lastValue)
    inputs.push({
      name: 'last_value',
      shape: ['batch', d!.targets.length],
      doc: `each target's value at the last input row, original units`,
    });
  const tg = d ? `, targets ${d.targets.join(', ')}` : '';
  // relative windows: the forecast is each target's change from its last observed value (the target's own, which is
  // no input step where the target is not a feature), not relative to the last input step as the window is
  const outUnits = !raw && d?.relative ? "scaled, relative to each target's last value" : units;
  const outputs: ValueInfo[] = [
    { name: 'forecast', shape: outShape, doc: `forecasts, horizon-major${tg}, ${outUnits}` },
  ];
  const pre = preprocessing(o);
  return { inputs, outputs, units, doc: `seqtune forecaster. Input window ${units}; preprocessing: ${pre}.` };
}

/** metadata_props: the I/O contract and, when known, the data it was trained on. */
function metadata(io: Described, o: ExportOptions): Record<string, string> {
  const shape = (v: ValueInfo) => ({ name: v.name, shape: v.shape, meaning: v.doc });
  const m: Record<string, string> = {
    'seqtune.format': 'seqtune-onnx/1',
    'seqtune.inputs': JSON.stringify(io.inputs.map(shape)),
    'seqtune.outputs': JSON.stringify(io.outputs.map(shape)),
    'seqtune.units': io.units,
    'seqtune.raw_io': String(o.rawIO === true),
    'seqtune.preprocessing': io.doc,
  };
  const d = o.data;
  if (d)
    Object.assign(m, {
      'seqtune.lookback': String(d.lookback),
      'seqtune.horizon': String(d.horizon),
      'seqtune.features': JSON.stringify(d.features),
      'seqtune.targets': JSON.stringify(d.targets),
      'seqtune.relative': String(d.relative),
      'seqtune.scaler': JSON.stringify(d.scaler),
    });
  // the codes of a label-encoded column were in data.json only: a shipped model's caller could not encode the window
  if (d && Object.keys(d.encodings ?? {}).length) m['seqtune.encodings'] = JSON.stringify(d.encodings);
  return m;
}
