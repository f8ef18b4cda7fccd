// Shape layers: Flatten (T, F) -> (T*F) in Keras order (index t*F + f); RepeatVector(n) (F) -> (n, F)
// for encoder-decoder models; TimeDistributed(dense) applies a Dense to every timestep.

import { type Buf, mat } from '../engine/index.js';
import { assertPositiveInt, ShapeError, ValueError } from '../errors.js';
import { optionsObject, posInt, Registry } from '../registry.js';
import { Dense, denseLayers } from './dense.js';
import { type LayerEntry, layerEntry, optionsLayer, savedOptions } from './entry.js';
import {
  type Act,
  actOf,
  Layer,
  type LayerConfig,
  type LayerContext,
  type ParamRef,
  type ParamSpec,
  type SavedLayer,
  type SeqShape,
  serializeLayer,
} from './layer.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  private last?: { x: Act; y: Buf; dx: Buf | null };
  constructor(opts: { name?: string } = {}) {
    super(opts.name, 'flatten');
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    return { T: null, F: (s.T ?? 1) * s.F };
  }
  /** A sequence's rows laid out flat, and (not in inference) dL/dx. */
  private sizes(B: number, inference: boolean) {
    const n = B * (this.inShape!.T ?? 1) * this.inShape!.F;
    return { y: n, dx: inference ? null : n };
  }

  /** A sequence's (a vector passes through). */
  protected override workspaceSizes(B: number, inference = false) {
    return this.inShape!.T === null ? {} : this.sizes(B, inference);
  }

  forward(x: Act, _training: boolean): Act {
    // a vector is already flat (Keras' Flatten on (batch, F) too): it passes through, and its gradient back
    this.last = undefined;
    if (x.T === null) return x;
    const T = x.T,
      F = x.F,
      B = x.B;
    const w = this.workspace(B, (inference) => this.allocSizes(this.sizes(B, inference)));
    for (let t = 0; t < T; t++)
      this.ctx.ops.copyRows(B, F, mat(x.buf, x.ld, x.off + t * B * x.ld), mat(w.y, T * F, t * F));
    this.last = { x, ...w };
    return actOf(w.y, B, null, T * F);
  }
  backward(dy: Act, needDx: boolean): Act | null {
    if (!needDx) return null;
    if (!this.last) return dy;
    const { x } = this.last,
      dx = this.last.dx!;
    const T = x.T!,
      F = x.F,
      B = x.B;
    for (let t = 0; t < T; t++) this.ctx.ops.copyRows(B, F, mat(dy.buf, dy.ld, dy.off + t * F), mat(dx, F, t * B * F));
    return actOf(dx, B, T, F);
  }
  getConfig(): LayerConfig {
    return { name: this.name };
  }
}

export class RepeatVector extends Layer {
  readonly className = 'RepeatVector';
  readonly n: number;
  private last?: { x: Act; y: Buf; dx: Buf | null };
  constructor(n: number, opts: { name?: string } = {}) {
    super(opts.name, 'repeat_vector');
    this.n = assertPositiveInt('RepeatVector.n', n);
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T !== null)
      throw new ShapeError(`${this.name}: RepeatVector needs a vector input, received a sequence (${s.T}, ${s.F})`);
    return { T: this.n, F: s.F };
  }
  /** The repeated rows, and (not in inference) dL/dx. */
  protected override workspaceSizes(B: number, inference = false) {
    return { y: this.n * B * this.inShape!.F, dx: inference ? null : B * this.inShape!.F };
  }

  forward(x: Act, _training: boolean): Act {
    const B = x.B,
      F = x.F;
    const w = this.workspace(B, (inference) => this.allocSizes(this.workspaceSizes(B, inference)));
    for (let t = 0; t < this.n; t++) this.ctx.ops.copyRows(B, F, mat(x.buf, x.ld, x.off), mat(w.y, F, t * B * F));
    this.last = { x, ...w };
    return actOf(w.y, B, this.n, F);
  }
  backward(dy: Act, needDx: boolean): Act | null {
    if (!needDx) return null;
    const { x } = this.last!,
      dx = this.last!.dx!;
    const B = x.B,
      F = x.F;
    this.ctx.ops.copyRows(B, F, mat(dy.buf, dy.ld, dy.off), mat(dx, F));
    for (let t = 1; t < this.n; t++) this.ctx.ops.addRows(B, F, mat(dy.buf, dy.ld, dy.off + t * B * dy.ld), mat(dx, F));
    return actOf(dx, B, null, F);
  }
  getConfig(): LayerConfig {
    return { name: this.name, n: this.n };
  }
}

/** TimeDistributed(Dense): the Dense applied to every timestep of a sequence (its weights shared across time). */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  constructor(
    readonly layer: Dense,
    opts: { name?: string } = {},
  ) {
    super(opts.name, 'time_distributed');
    if (!(layer instanceof Dense)) throw new ValueError('timeDistributed: expected a dense layer');
    // the dense layer's activity penalty, applied by the stack to this layer's output (the dense layer's own, on every
    // timestep, as a dense layer on a sequence has it)
    this.activityRegularizer = layer.activityRegularizer;
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T === null)
      throw new ShapeError(
        `${this.name}: TimeDistributed needs a sequence input (T, F), received a vector of ${s.F} ` +
          '(a dense layer takes a vector itself)',
      );
    return this.layer.build(s);
  }
  override paramSpecs(): ParamSpec[] {
    return this.layer.paramSpecs();
  }
  override attach(ctx: LayerContext, refs: readonly ParamRef[]): void {
    super.attach(ctx, refs);
    this.layer.attach(ctx, refs);
  }
  forward(x: Act, training: boolean): Act {
    return this.layer.forward(x, training);
  }
  protected override inner(): Layer[] {
    return [this.layer];
  }
  override dispose(): void {
    this.layer.dispose();
    super.dispose();
  }
  backward(dy: Act, needDx: boolean): Act | null {
    return this.layer.backward(dy, needDx);
  }
  getConfig(): LayerConfig {
    return { name: this.name, layer: serializeLayer(this.layer) };
  }
}

export const flatten = (opts?: { name?: string }): Flatten => new Flatten(opts);
/**
 * @example
 * import { repeatVector } from 'seqtune';
 * repeatVector(24)
 */
export const repeatVector = (n: number, opts?: { name?: string }): RepeatVector => new RepeatVector(n, opts);
/**
 * @example
 * import { dense, timeDistributed } from 'seqtune';
 * timeDistributed(dense({ units: 1 }))
 */
export const timeDistributed = (layer: Dense, opts?: { name?: string }): TimeDistributed =>
  new TimeDistributed(layer, opts);

function denseOf(layer: Layer): Dense {
  if (!(layer instanceof Dense)) throw new ValueError('TimeDistributed.layer: expected a Dense config');
  return layer;
}

/** TimeDistributed, Flatten and RepeatVector in the layer registry. */
export const reshapeLayers: LayerEntry[] = [
  layerEntry({
    name: 'time_distributed',
    className: 'TimeDistributed',
    aliases: ['timeDistributed'],
    doc: 'wraps `dense`, for encoder-decoder models',
    options: new Registry({ kind: 'layer', title: 'layers' }, denseLayers).schema(),
    example: { dense: { units: 1 } },
    build: (o, ctx) => timeDistributed(denseOf(ctx.inner(o))),
    fromConfig: (c, inner) => {
      const o = savedOptions<{ name?: string; layer: SavedLayer }>(c);
      return timeDistributed(denseOf(inner(o.layer)), o);
    },
  }),
  optionsLayer({
    name: 'flatten',
    className: 'Flatten',
    doc: 'a sequence to a vector',
    options: optionsObject({}, '{}'),
    create: flatten,
  }),
  optionsLayer({
    name: 'repeat_vector',
    className: 'RepeatVector',
    aliases: ['repeatVector'],
    doc: 'n; a vector to n steps',
    options: optionsObject({ n: posInt() }, '{n: steps}'),
    example: { n: 24 },
    create: (o) => repeatVector(o.n, o),
  }),
];
