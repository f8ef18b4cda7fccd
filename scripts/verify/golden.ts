// Runs the PyTorch reference fixtures (../shared/golden/FORMAT.md, kinds "rnn" and "optimizer")
// through seqtune and reports the largest absolute and relative error of every number. A developer
// tool (npm run golden, test/verify), not part of the package: it imports seqtune only through the folders' index.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getOps, ValueError } from '../../src/engine/index.js';
import {
  actOf,
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  gru,
  type Layer,
  layerNormalization,
  lstm,
  type Padding,
  Stack,
  selectTimestep,
  simpleRNN,
  tensor,
} from '../../src/nn/index.js';
import { clipByGlobalNorm, getOptimizer } from '../../src/optim/index.js';
import { sequential } from '../../src/train/index.js';

type Nested = number | Nested[];
export interface GoldenResult {
  name: string;
  kind: string;
  maxAbs: number;
  maxRel: number;
  worst: string;
  pass: boolean;
  checked: number;
}

/** The fixture tolerance: |got - want| <= atol + rtol |want|. */
export const ATOL = 1e-4,
  RTOL = 1e-3;

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
function transpose(m: number[][]): number[] {
  const r = m.length,
    c = m[0]!.length,
    out = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = m[i]![j]!;
  return out;
}

class Comparator {
  maxAbs = 0;
  maxRel = 0;
  worst = '';
  pass = true;
  checked = 0;
  compare(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
    if (got.length !== want.length) throw new ValueError(`${what}: ${got.length} values, fixture has ${want.length}`);
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(got[i]! - want[i]!);
      const rel = e / Math.max(Math.abs(want[i]!), 1e-12);
      this.checked++;
      if (!(e <= ATOL + RTOL * Math.abs(want[i]!))) {
        if (this.pass) this.worst = `${what}[${i}]: got ${got[i]}, want ${want[i]}`;
        this.pass = false;
      }
      if (e > this.maxAbs || Number.isNaN(e)) {
        this.maxAbs = Number.isNaN(e) ? Infinity : e;
        if (this.pass) this.worst = `${what}[${i}]`;
      }
      this.maxRel = Math.max(this.maxRel, Math.min(rel, Number.MAX_VALUE));
    }
  }
}

interface RnnFixture {
  name: string;
  kind: 'rnn';
  cell: 'gru' | 'lstm' | 'rnn_tanh';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  output: 'last' | 'sequence';
  loss: 'mse' | 'mae' | 'huber';
  params: Record<string, Nested>;
  head: { weight: number[][]; bias: number[] };
  x: Nested;
  y: Nested;
  expected: {
    sequence_output: Nested;
    pred: Nested;
    loss: number;
    grads: Record<string, Nested>;
    head_grads: { weight: number[][]; bias: number[] };
    dx: Nested;
  };
}

interface OptimFixture {
  name: string;
  kind: 'optimizer';
  optimizer: string;
  options: Record<string, number | boolean | number[]>;
  clip_norm: number | null;
  initial: number[];
  grads: number[][];
  expected_after_each_step: number[][];
}

/**
 * Builds the fixture's stack. With topSequence false a non-bidirectional 'last' stack ends in
 * returnSequences: false (the usual forecaster); with true every layer returns sequences and a
 * selectTimestep(-1) picks the last one, which also exposes the whole top sequence.
 */
function buildRnn(f: RnnFixture, topSequence: boolean) {
  const H = f.hidden_size,
    L = f.num_layers;
  const xs = f.x as number[][][];
  const B = xs.length,
    T = xs[0]!.length,
    F = f.input_size;
  const make = { gru, lstm, rnn_tanh: simpleRNN }[f.cell];
  const layers: Layer[] = [];
  const seqTop = f.output === 'sequence' || f.bidirectional || topSequence;
  for (let l = 0; l < L; l++) {
    const seq = l < L - 1 || seqTop;
    const cell = make({
      units: H,
      returnSequences: seq,
      name: `rnn${l}`,
      ...(l === 0 ? { inputShape: [T, F] as [number, number] } : {}),
    });
    layers.push(f.bidirectional ? bidirectional(cell, { name: `bi${l}` }) : cell);
  }
  if (f.output === 'last' && seqTop) layers.push(selectTimestep(-1, { name: 'last' }));
  const outDim = f.head.bias.length;
  layers.push(dense({ units: outDim, name: 'head' }));
  const model = sequential(layers, { seed: 1 });
  model.compile({ optimizer: 'sgd', loss: f.loss });

  // PyTorch names -> seqtune weights: weight_ih (GH, in) is our kernel (in, GH) transposed; same gate order.
  const keyOf = (l: number, dir: string, ours: string) =>
    f.bidirectional ? `bi${l}/${dir}/${ours}` : `rnn${l}/${ours}`;
  const w: Record<string, number[]> = {};
  const map: {
    torch: string;
    ours: string;
    l: number;
    dir: string;
    part: 'kernel' | 'recurrentKernel' | 'bias' | 'recurrentBias';
  }[] = [];
  const dirs: [dir: string, suffix: string][] = f.bidirectional
    ? [
        ['forward', ''],
        ['backward', '_reverse'],
      ]
    : [['forward', '']];
  for (let l = 0; l < L; l++)
    for (const [dir, sfx] of dirs) {
      const ih = f.params[`weight_ih_l${l}${sfx}`] as number[][],
        hh = f.params[`weight_hh_l${l}${sfx}`] as number[][];
      const bi = f.params[`bias_ih_l${l}${sfx}`] as number[],
        bh = f.params[`bias_hh_l${l}${sfx}`] as number[];
      w[keyOf(l, dir, 'kernel')] = transpose(ih);
      w[keyOf(l, dir, 'recurrentKernel')] = transpose(hh);
      if (f.cell === 'gru') {
        w[keyOf(l, dir, 'bias')] = bi;
        w[keyOf(l, dir, 'recurrentBias')] = bh;
      } else w[keyOf(l, dir, 'bias')] = bi.map((v, i) => v + bh[i]!);
      map.push({ torch: `weight_ih_l${l}${sfx}`, ours: keyOf(l, dir, 'kernel'), l, dir, part: 'kernel' });
      map.push({
        torch: `weight_hh_l${l}${sfx}`,
        ours: keyOf(l, dir, 'recurrentKernel'),
        l,
        dir,
        part: 'recurrentKernel',
      });
      map.push({ torch: `bias_ih_l${l}${sfx}`, ours: keyOf(l, dir, 'bias'), l, dir, part: 'bias' });
      map.push({
        torch: `bias_hh_l${l}${sfx}`,
        ours: keyOf(l, dir, f.cell === 'gru' ? 'recurrentBias' : 'bias'),
        l,
        dir,
        part: 'recurrentBias',
      });
    }
  w['head/kernel'] = transpose(f.head.weight);
  w['head/bias'] = f.head.bias;
  model.setWeights(w);
  return { model, map, B, T, F, outDim };
}

function runRnn(f: RnnFixture): Comparator {
  const { model, map, B, T, F, outDim } = buildRnn(f, false);
  const x = tensor(flat(f.x), [B, T, F]);
  const y = tensor(flat(f.y), f.output === 'last' ? [B, outDim] : [B, T, outDim]);
  const c = new Comparator();
  const seqModel = f.output === 'last' && !f.bidirectional ? buildRnn(f, true).model : model;
  c.compare('sequence_output', seqModel.activations(x)[f.num_layers - 1]!.data, flat(f.expected.sequence_output));
  c.compare('pred', model.predict(x).data, flat(f.expected.pred));
  const { loss, dx } = model.lossAndGrads(x, y, { needDx: true });
  c.compare('loss', [loss], [f.expected.loss]);
  for (const m of map) {
    const g = model.getGradient(m.ours);
    const want = f.expected.grads[m.torch]!;
    const wantFlat = m.part === 'kernel' || m.part === 'recurrentKernel' ? transpose(want as number[][]) : flat(want);
    c.compare(`grad ${m.torch}`, g, wantFlat);
  }
  c.compare('grad head.weight', model.getGradient('head/kernel'), transpose(f.expected.head_grads.weight));
  c.compare('grad head.bias', model.getGradient('head/bias'), f.expected.head_grads.bias);
  c.compare('dx', dx!, flat(f.expected.dx));
  return c;
}

function runOptimizer(f: OptimFixture): Comparator {
  const ops = getOps();
  const o = f.options;
  const config: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'lr') config.learningRate = v as number;
    else if (k === 'betas') {
      config.beta1 = (v as number[])[0]!;
      config.beta2 = (v as number[])[1]!;
    } else if (k === 'alpha') config.rho = v as number;
    else if (k === 'eps') config.epsilon = v as number;
    else if (k === 'weight_decay') config.weightDecay = v as number;
    else config[k] = v as number | boolean;
  }
  if (f.optimizer === 'rmsprop' && config.rho === undefined) config.rho = 0.99;
  if (f.optimizer === 'sgd' && config.learningRate === undefined) config.learningRate = 0.001;
  const opt = getOptimizer({ className: f.optimizer as 'sgd', config });
  const n = f.initial.length;
  const p = ops.engine.alloc(n),
    g = ops.engine.alloc(n);
  ops.engine.view(p).set(f.initial);
  const c = new Comparator();
  f.grads.forEach((gr, i) => {
    ops.engine.view(g).set(gr);
    if (f.clip_norm !== null) clipByGlobalNorm(ops, g, f.clip_norm);
    opt.step(ops, p, g);
    c.compare(`after step ${i + 1}`, ops.engine.view(p), f.expected_after_each_step[i]!);
  });
  ops.engine.release(p);
  ops.engine.release(g);
  return c;
}

interface LayerFixture {
  name: string;
  kind: 'layer';
  layer: 'batchnorm' | 'layernorm' | 'conv1d';
  config: Record<string, number | string>;
  training: boolean;
  x: Nested;
  params: Record<string, Nested>;
  dy: Nested;
  expected: { y: Nested; dx: Nested; grads: Record<string, Nested>; movingMean?: number[]; movingVariance?: number[] };
}

/** Sample-major [B][T][F] to time-major (T, B, F). */
function timeMajor(v: Nested): { data: Float32Array; B: number; T: number; F: number } {
  const a = v as number[][][];
  const B = a.length,
    T = a[0]!.length,
    F = a[0]![0]!.length,
    data = new Float32Array(B * T * F);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) data[(t * B + b) * F + f] = a[b]![t]![f]!;
  return { data, B, T, F };
}

function runLayerFixture(f: LayerFixture): Comparator {
  const c = f.config;
  const layer =
    f.layer === 'batchnorm'
      ? batchNormalization({ momentum: c.momentum as number, epsilon: c.epsilon as number, name: 'l' })
      : f.layer === 'layernorm'
        ? layerNormalization({ epsilon: c.epsilon as number, name: 'l' })
        : conv1d({
            filters: c.filters as number,
            kernelSize: c.kernelSize as number,
            strides: c.strides as number,
            dilationRate: c.dilationRate as number,
            padding: c.padding as Padding,
            name: 'l',
          });
  const x = timeMajor(f.x),
    dy = timeMajor(f.dy);
  const stack = new Stack([layer], { inputShape: [x.T, x.F], seed: 1 });
  stack.setWeights(Object.fromEntries(Object.entries(f.params).map(([k, v]) => [`l/${k}`, flat(v)])));
  const e = stack.engine;
  const xb = e.alloc(x.data.length),
    db = e.alloc(dy.data.length);
  e.view(xb).set(x.data);
  e.view(db).set(dy.data);
  const out = stack.forward(actOf(xb, x.B, x.T, x.F), f.training);
  stack.zeroGrads();
  const dx = stack.backward(actOf(db, dy.B, dy.T, dy.F), true)!;
  const cmp = new Comparator();
  cmp.compare('y', e.view(out.buf, out.off, dy.data.length), timeMajor(f.expected.y).data);
  cmp.compare('dx', e.view(dx.buf, dx.off, x.data.length), x.data.length ? timeMajor(f.expected.dx).data : []);
  for (const [k, v] of Object.entries(f.expected.grads)) cmp.compare(`grad ${k}`, stack.getGradient(`l/${k}`), flat(v));
  const w = stack.getWeights();
  if (f.expected.movingMean) cmp.compare('movingMean', w['l/movingMean']!, f.expected.movingMean);
  if (f.expected.movingVariance) cmp.compare('movingVariance', w['l/movingVariance']!, f.expected.movingVariance);
  e.release(xb);
  e.release(db);
  return cmp;
}

/**
 * An rnn fixture's loss and gradients with its batch split between `threads` threads (train/threads): one
 * training step, whose reduced gradient is left in the gradient buffer. Null for the other kinds (an optimizer
 * step and a single layer run on one thread whatever the thread count).
 */
export async function runFixtureThreaded(path: string, threads: number): Promise<GoldenResult | null> {
  const f = JSON.parse(readFileSync(path, 'utf8')) as RnnFixture | OptimFixture | LayerFixture;
  if (f.kind !== 'rnn') return null;
  const { model, map, B, T, F, outDim } = buildRnn(f, false);
  const x = tensor(flat(f.x), [B, T, F]);
  const y = tensor(flat(f.y), f.output === 'last' ? [B, outDim] : [B, T, outDim]);
  const c = new Comparator();
  await model.openThreads(threads, B);
  try {
    const loss = await model.trainStepAsync(
      x,
      y,
      Int32Array.from({ length: B }, (_, i) => i),
      0,
      B,
    );
    c.compare('loss', [loss], [f.expected.loss]);
  } finally {
    await model.closeThreads();
  }
  for (const m of map) {
    const want = f.expected.grads[m.torch]!;
    const wantFlat = m.part === 'kernel' || m.part === 'recurrentKernel' ? transpose(want as number[][]) : flat(want);
    c.compare(`grad ${m.torch}`, model.getGradient(m.ours), wantFlat);
  }
  c.compare('grad head.weight', model.getGradient('head/kernel'), transpose(f.expected.head_grads.weight));
  c.compare('grad head.bias', model.getGradient('head/bias'), f.expected.head_grads.bias);
  model.dispose();
  const { maxAbs, maxRel, worst, pass, checked } = c;
  return { name: `${f.name} (${threads} threads)`, kind: f.kind, maxAbs, maxRel, worst, pass, checked };
}

/** Runs one fixture file. */
export function runFixture(path: string): GoldenResult {
  const f = JSON.parse(readFileSync(path, 'utf8')) as RnnFixture | OptimFixture | LayerFixture;
  let c: Comparator;
  if (f.kind === 'rnn') c = runRnn(f);
  else if (f.kind === 'optimizer') c = runOptimizer(f);
  else if (f.kind === 'layer') c = runLayerFixture(f);
  else
    throw new ValueError(
      `${path}: kind: expected "rnn", "optimizer" or "layer", ` +
        `received ${JSON.stringify((f as { kind: unknown }).kind)}`,
    );
  return {
    name: f.name,
    kind: f.kind,
    maxAbs: c.maxAbs,
    maxRel: c.maxRel,
    worst: c.worst,
    pass: c.pass,
    checked: c.checked,
  };
}

/** Every *.json under the given files and folders. */
export function fixtureFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => join(p, n)),
      );
    else out.push(p);
  }
  return out;
}
