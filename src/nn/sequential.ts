// A stack of layers over one flat parameter buffer and one flat gradient buffer (so an optimizer
// step or a gradient norm is one kernel call). Forward/backward run in engine memory.

import { type Buf, type Engine, getEngine, getOps, type Ops } from '../engine/index.js';
import { ShapeError, ValueError } from '../errors.js';
import {
  type Act,
  type ForwardPass,
  type Layer,
  type LayerConfig,
  type ParamRef,
  type SavedLayer,
  type SeqShape,
  serializeLayer,
} from './layer.js';
import { Rng, StepDraws } from './random.js';
import type { Regularizer } from './regularizers.js';

export interface WeightInfo {
  layer: string;
  name: string;
  shape: readonly number[];
  off: number;
  size: number;
  trainable: boolean;
  regularizer?: Regularizer;
}

export class Stack {
  readonly layers: Layer[];
  readonly engine: Engine;
  readonly ops: Ops;
  inputShape?: SeqShape;
  outputShape?: SeqShape;
  params!: Buf;
  grads!: Buf;
  /** Non-trainable weights (moving statistics), saved with the model but never stepped. */
  state!: Buf;
  weights: WeightInfo[] = [];
  /**
   * The spans [offset, floats] of the gradient buffer that a backward pass can write: every trainable weight but
   * the gradient-free ones (ParamSpec.gradientFree) without a regularizer, adjacent spans merged. Only these are
   * zeroed, summed between threads and measured; the rest stay 0 (seed-gru1000's recurrent kernel over one
   * timestep: 3 of its 3.03 million weights).
   */
  gradRanges: [number, number][] = [];
  rng: Rng;
  /** The dropout masks and noise of a training step (begun by each step: Model.beginStep, a training thread). */
  readonly draws = new StepDraws();
  /** The forward pass under way, as the layers read it (LayerContext.pass): set by forward. */
  protected readonly pass: ForwardPass = { inference: false };
  private seedValue: number;

  /** Set by dispose(): the model's engine memory went back for reuse (assertLive refuses a use after it). */
  private wasDisposed = false;

  /** Weights of another model on this engine's memory, used in place (a training thread's replica). */
  private readonly adopted?: { params: Buf; state: Buf };

  /**
   * Whether build draws the weights: not for adopted ones, nor when opts.initialize is false (a loaded model leaves
   * them zero for setWeights to fill; GRU(1000)'s initialisation is 2 s).
   */
  private readonly initialize: boolean;

  /**
   * @param opts.adopt - the params and state buffers of a model with the same layers on this engine's memory (a
   *   training thread's replica reads the main thread's weights in place): used as they are, not initialised.
   * @param opts.initialize - false leaves the weights zero instead of drawing them (default true).
   */
  constructor(
    layers: Layer[],
    opts: {
      seed?: number;
      inputShape?: [number, number] | [number];
      adopt?: { params: Buf; state: Buf };
      initialize?: boolean;
    } = {},
  ) {
    if (!Array.isArray(layers) || layers.length === 0)
      throw new ValueError('sequential: expected a non-empty list of layers');
    this.layers = layers;
    this.engine = getEngine();
    this.ops = getOps();
    this.seedValue = opts.seed ?? 42;
    this.rng = new Rng(this.seedValue);
    this.adopted = opts.adopt;
    this.initialize = !opts.adopt && (opts.initialize ?? true);
    const first = opts.inputShape ?? firstInputShape(layers[0]!);
    if (first) this.build(first);
  }

  get seed(): number {
    return this.seedValue;
  }
  get built(): boolean {
    return this.inputShape !== undefined;
  }

  /** Fixes shapes, allocates parameters and initialises them from the seed. */
  build(shape: readonly number[]): void {
    if (this.built) return;
    // An empty shape leaves F undefined here; the check below rejects it.
    const inShape: SeqShape = shape.length === 2 ? { T: shape[0]!, F: shape[1]! } : { T: null, F: shape[0]! };
    if (![inShape.F, inShape.T ?? 1].every((v) => Number.isInteger(v) && v > 0))
      throw new ShapeError(`sequential: invalid input shape [${shape.join(', ')}]`);
    let s = inShape;
    const specs: { layer: Layer; refs: ParamRef[]; inits: { ref: ParamRef; init: (r: Rng) => Float32Array }[] }[] = [];
    let total = 0,
      stateTotal = 0;
    for (const layer of this.layers) {
      s = layer.build(s);
      const refs: ParamRef[] = [];
      const inits: { ref: ParamRef; init: (r: Rng) => Float32Array }[] = [];
      for (const p of layer.paramSpecs()) {
        const size = p.shape.reduce((a, b) => a * b, 1);
        const trainable = p.trainable ?? true;
        const ref: ParamRef = { name: p.name, shape: p.shape, off: trainable ? total : stateTotal, size, trainable };
        const padded = size + ((16 - (size % 16)) % 16); // keep every parameter 64-byte aligned
        if (trainable && !(p.gradientFree && !p.regularizer)) addRange(this.gradRanges, total, padded);
        if (trainable) total += padded;
        else stateTotal += padded;
        refs.push(ref);
        inits.push({ ref, init: (r) => p.initializer.init(p.shape, r) });
        this.weights.push({
          layer: layer.name,
          name: p.name,
          shape: p.shape,
          off: ref.off,
          size,
          trainable,
          regularizer: p.regularizer,
        });
      }
      specs.push({ layer, refs, inits });
    }
    this.allocWeights(total, stateTotal);
    const ctx = {
      ops: this.ops,
      engine: this.engine,
      params: this.params,
      grads: this.grads,
      state: this.state,
      rng: this.rng,
      draws: this.draws,
      pass: this.pass,
    };
    const initRng = new Rng(this.seedValue ^ 0x5eed);
    for (const { layer, refs, inits } of specs) {
      layer.attach(ctx, refs);
      if (!this.initialize) continue;
      for (const { ref, init } of inits)
        this.engine.view(ref.trainable ? this.params : this.state, ref.off, ref.size).set(init(initRng));
    }
    this.inputShape = inShape;
    this.outputShape = s;
  }

  /** The weights (or the adopted ones), their gradients and the non-trainable weights, in floats. */
  private allocWeights(total: number, stateTotal: number): void {
    const adopted = this.adopted;
    if (adopted && (adopted.params.length !== total || adopted.state.length !== stateTotal))
      throw new ShapeError(
        `sequential: adopted weights of ${adopted.params.length} + ${adopted.state.length} floats, ` +
          `the layers need ${total} + ${stateTotal}`,
      );
    this.params = adopted?.params ?? this.engine.alloc(total, true);
    this.grads = this.engine.alloc(total, true);
    this.state = adopted?.state ?? this.engine.alloc(stateTotal, true);
  }

  /** Number of weights (trainable only, when asked). */
  countParams(opts: { trainableOnly?: boolean } = {}): number {
    return this.weights.reduce((n, w) => n + (w.trainable || !opts.trainableOnly ? w.size : 0), 0);
  }

  /** The live values of one weight (valid until engine memory grows). */
  weightView(w: WeightInfo): Float32Array {
    return this.engine.view(w.trainable ? this.params : this.state, w.off, w.size);
  }

  /** Activity-regularization penalty of the last forward pass (part of the loss). */
  activityPenalty = 0;
  private outputs: Act[] = [];

  /**
   * The layers' forward passes over a batch. `samples`: the first samples of the batch the activity penalty counts
   * (all unless said; a batch filled up past its real samples: Model.evaluate's last). `backward` false: no backward
   * pass follows (predict, evaluate, validation), so that without `training` the pass is an inference pass, whose
   * workspaces leave out the buffers only training and backward use (Layer.workspace); backward refuses to follow it.
   */
  forward(x: Act, training: boolean, samples = x.B, backward = true): Act {
    let a = x;
    this.pass.inference = !training && !backward;
    this.activityPenalty = 0;
    this.layers.forEach((l, i) => {
      a = l.forward(a, training);
      this.outputs[i] = a;
      if (l.activityRegularizer) this.activityPenalty += this.activity(a, l.activityRegularizer, null, samples);
    });
    return a;
  }

  /** Backpropagates dy from the output; parameter gradients are added to `grads`. Returns dL/dx when asked. */
  backward(dy: Act, needDx = false): Act | null {
    if (this.pass.inference)
      throw new ValueError(
        'model.backward: the forward pass before it was an inference pass, whose workspaces hold no backward ' +
          'buffers; run forward with `backward` true (its fourth argument) when a backward pass follows',
      );
    let d: Act | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const reg = this.layers[i]!.activityRegularizer;
      if (reg) this.activity(this.outputs[i]!, reg, d!);
      d = this.layers[i]!.backward(d!, i > 0 || needDx);
    }
    return d;
  }

  /**
   * Penalty (l1 sum|y| + l2 sum y^2) / B of an output over its first `samples` samples (B of them); with dy, adds
   * its gradient there.
   */
  private activity(y: Act, reg: Regularizer, dy: Act | null, samples = y.B): number {
    const f32 = this.engine.f32,
      base = (y.buf.ptr >>> 2) + y.off;
    const dbase = dy ? (dy.buf.ptr >>> 2) + dy.off : 0;
    let pen = 0;
    for (let t = 0; t < (y.T ?? 1); t++)
      for (let r = t * y.B, end = r + samples; r < end; r++)
        for (let j = 0; j < y.F; j++) {
          const v = f32[base + r * y.ld + j]!;
          pen += reg.l1 * Math.abs(v) + reg.l2 * v * v;
          if (dy) f32[dbase + r * dy.ld + j]! += (reg.l1 * Math.sign(v) + 2 * reg.l2 * v) / samples;
        }
    return pen / samples;
  }

  /** Weight-regularization penalty; with grads, also adds its gradient into the gradient buffer. */
  weightPenalty(withGrads: boolean): number {
    let pen = 0;
    for (const w of this.weights) {
      const r = w.regularizer;
      if (!r) continue;
      if (withGrads) pen += this.ops.regularize(this.params, this.grads, w.off, w.size, r.l1, r.l2);
      else
        pen += r.l1 * this.ops.sumabs(this.params, w.off, w.size) + r.l2 * this.ops.sumsq(this.params, w.off, w.size);
    }
    return pen;
  }

  /** True when any weight carries a regularizer or any layer an activity regularizer. */
  get regularized(): boolean {
    return this.weights.some((w) => w.regularizer) || this.layers.some((l) => l.activityRegularizer);
  }

  zeroGrads(): void {
    for (const [off, n] of this.gradRanges) this.engine.k.zero(this.grads.ptr + 4 * off, n);
  }

  /** The sum of squares of the gradient (its norm squared), over the spans a backward pass writes. */
  gradSumsq(): number {
    return this.gradRanges.reduce((s, [off, n]) => s + this.ops.sumsq(this.grads, off, n), 0);
  }

  /** Whether dispose() has given the model's memory back. */
  get disposed(): boolean {
    return this.wasDisposed;
  }

  /**
   * A ValueError when the model was disposed: its weights' memory may be another model's by now, and a fit of it
   * wrote into that model (measured: 1 of 20 models built after the dispose changed its predictions).
   */
  assertLive(what: string): void {
    if (this.wasDisposed)
      throw new ValueError(`model: ${what} after dispose(); the model gave its memory back: build or load another`);
  }

  /**
   * Gives all engine memory of the model back (weights, gradients, workspaces); the model is not used after (fit,
   * evaluate, predict, save and its weights refuse it). Again: nothing more.
   */
  dispose(): void {
    if (this.wasDisposed) return;
    this.wasDisposed = true;
    for (const l of this.layers) l.dispose();
    if (!this.built) return;
    const own = this.adopted ? [this.grads] : [this.params, this.grads, this.state]; // adopted: another model's
    for (const b of own) this.engine.release(b);
  }

  /** Copies of every weight, keyed "layer/name". */
  getWeights(): Record<string, Float32Array> {
    this.assertLive('getWeights');
    const out: Record<string, Float32Array> = {};
    for (const w of this.weights) out[`${w.layer}/${w.name}`] = this.weightView(w).slice();
    return out;
  }

  /** Sets weights by "layer/name" key; sizes must match. */
  setWeights(values: Record<string, ArrayLike<number>>): void {
    this.assertLive('setWeights');
    for (const [key, v] of Object.entries(values)) {
      const w = this.weights.find((x) => `${x.layer}/${x.name}` === key);
      if (!w)
        throw new ValueError(
          `setWeights: no weight "${key}"; known: ${this.weights.map((x) => `${x.layer}/${x.name}`).join(', ')}`,
        );
      if (v.length !== w.size)
        throw new ShapeError(
          `setWeights: ${key} expects ${w.size} values (shape [${w.shape.join(', ')}]), received ${v.length}`,
        );
      this.weightView(w).set(v);
    }
  }

  /** Gradient of one weight from the last backward pass (a copy). */
  getGradient(key: string): Float32Array {
    const w = this.weights.find((x) => `${x.layer}/${x.name}` === key);
    if (!w?.trainable) throw new ValueError(`getGradient: no trainable weight "${key}"`);
    return this.engine.view(this.grads, w.off, w.size).slice();
  }

  /** Keras-style table of layers, output shapes and parameter counts. */
  summary(): string {
    type Row = [string, string, string];
    if (!this.built) throw new ValueError('summary: the model is not built yet (give inputShape, or fit it first)');
    const header: Row = ['Layer (type)', 'Output Shape', 'Param #'];
    const rows: Row[] = [header];
    for (const l of this.layers) {
      const o = l.outShape!;
      rows.push([
        `${l.name} (${l.className})`,
        o.T === null ? `(None, ${o.F})` : `(None, ${o.T}, ${o.F})`,
        l.countParams().toLocaleString('en-US'),
      ]);
    }
    const width = (i: 0 | 1 | 2) => Math.max(...rows.map((r) => r[i].length)) + 2;
    const w = [width(0), width(1), width(2)] as const;
    const line = (r: Row) => r[0].padEnd(w[0]) + r[1].padEnd(w[1]) + r[2].padStart(w[2]);
    const total = this.countParams(),
      trainable = this.countParams({ trainableOnly: true });
    const rule = '_'.repeat(w[0] + w[1] + w[2]);
    return [
      rule,
      line(header),
      '='.repeat(rule.length),
      ...rows.slice(1).map(line),
      '='.repeat(rule.length),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
      rule,
    ].join('\n');
  }

  /** Whether training changes the non-trainable state (batch statistics), not only the parameters. */
  get updatesState(): boolean {
    return this.layers.some((l) => l.updatesState);
  }

  /** Whether training draws random numbers (dropout, noise): each step then takes a seed from `rng`. */
  get drawsRandom(): boolean {
    return this.layers.some((l) => l.drawsRandom);
  }

  layerConfigs(): SavedLayer[] {
    return this.layers.map(serializeLayer);
  }
}

function firstInputShape(l: Layer): [number, number] | [number] | undefined {
  const cfg = l.getConfig();
  const s = cfg.inputShape as number[] | undefined;
  if (s && (s.length === 1 || s.length === 2)) return s as [number, number] | [number];
  const inner = (cfg.layer as { config?: LayerConfig } | undefined)?.config?.inputShape as number[] | undefined;
  return inner && inner.length === 2 ? (inner as [number, number]) : undefined;
}

/** Appends span [off, off + n) to `ranges`, merged with the last span when they touch. */
function addRange(ranges: [number, number][], off: number, n: number): void {
  const last = ranges.at(-1);
  if (last && last[0] + last[1] === off) last[1] += n;
  else ranges.push([off, n]);
}
