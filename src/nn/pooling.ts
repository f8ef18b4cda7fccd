// MaxPooling1D / AveragePooling1D over time (per feature), Keras semantics: poolSize, strides
// (default poolSize), padding 'valid' | 'same'. 'same' averages only the real steps of a window.

import type { Buf } from '../engine/index.js';
import { assertPositiveInt, expected, ShapeError, ValueError } from '../errors.js';
import { oneOf, optionsObject, posInt, withDefault } from '../registry.js';
import { windowGeometry } from './conv.js';
import { type LayerEntry, optionsLayer } from './entry.js';
import { type Act, actOf, Layer, type LayerConfig, type SeqShape } from './layer.js';

export interface PoolingOptions {
  poolSize?: number;
  strides?: number;
  padding?: 'valid' | 'same';
  name?: string;
}

class Pooling1D extends Layer {
  readonly className: string;
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';
  private geo = { out: 0, padLeft: 0 };
  private last?: { x: Act; y: Buf; arg: Int32Array; dx: Buf | null };

  constructor(
    readonly kind: 'max' | 'average',
    o: PoolingOptions = {},
  ) {
    super(o.name, `${kind}_pooling1d`);
    this.className = kind === 'max' ? 'MaxPooling1D' : 'AveragePooling1D';
    this.poolSize = assertPositiveInt(`${this.className}.poolSize`, o.poolSize ?? 2);
    this.strides = assertPositiveInt(`${this.className}.strides`, o.strides ?? this.poolSize);
    this.padding = o.padding ?? 'valid';
    if (!['valid', 'same'].includes(this.padding))
      throw new ValueError(expected(`${this.className}.padding`, 'valid or same', this.padding));
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T === null)
      throw new ShapeError(
        `${this.name}: ${this.className} needs a sequence input (T, F), received a vector of ${s.F}`,
      );
    this.geo = windowGeometry(s.T, this.poolSize, this.strides, 1, this.padding);
    if (this.geo.out < 1)
      throw new ShapeError(`${this.name}: pool of ${this.poolSize} does not fit a sequence of ${s.T}`);
    return { T: this.geo.out, F: s.F };
  }

  /** The output and (not in inference) dL/dx; the max's positions are a host array. */
  protected override workspaceSizes(B: number, inference = false) {
    const F = this.inShape!.F;
    return { y: this.geo.out * B * F, dx: inference ? null : this.inShape!.T! * B * F };
  }

  forward(x: Act, _training: boolean): Act {
    const { engine } = this.ctx;
    const T = this.inShape!.T!,
      F = x.F,
      B = x.B,
      { out, padLeft } = this.geo;
    const w = this.workspace(B, (inference) => ({
      ...this.allocSizes(this.workspaceSizes(B, inference)),
      arg: new Int32Array(out * B * F),
    }));
    const f = engine.f32,
      xb = (x.buf.ptr >>> 2) + x.off,
      y = engine.view(w.y);
    for (let t = 0; t < out; t++) {
      const lo = Math.max(0, t * this.strides - padLeft),
        hi = Math.min(T, t * this.strides - padLeft + this.poolSize);
      for (let b = 0; b < B; b++)
        for (let c = 0; c < F; c++) {
          const o = (t * B + b) * F + c;
          if (this.kind === 'max') {
            let best = -Infinity,
              arg = lo;
            for (let s = lo; s < hi; s++) {
              const v = f[xb + (s * B + b) * x.ld + c]!;
              if (v > best) {
                best = v;
                arg = s;
              }
            }
            y[o] = best;
            w.arg[o] = arg;
          } else {
            let sum = 0;
            for (let s = lo; s < hi; s++) sum += f[xb + (s * B + b) * x.ld + c]!;
            y[o] = sum / (hi - lo);
          }
        }
    }
    this.last = { x, ...w };
    return actOf(w.y, B, out, F);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    if (!needDx) return null;
    const { engine } = this.ctx;
    const { x, arg } = this.last!,
      dx = this.last!.dx!;
    const T = this.inShape!.T!,
      F = x.F,
      B = x.B,
      { out, padLeft } = this.geo;
    const f = engine.f32,
      db = (dy.buf.ptr >>> 2) + dy.off,
      d = engine.view(dx);
    d.fill(0);
    for (let t = 0; t < out; t++) {
      const lo = Math.max(0, t * this.strides - padLeft),
        hi = Math.min(T, t * this.strides - padLeft + this.poolSize);
      for (let b = 0; b < B; b++)
        for (let c = 0; c < F; c++) {
          const g = f[db + (t * B + b) * dy.ld + c]!;
          if (this.kind === 'max') d[(arg[(t * B + b) * F + c]! * B + b) * F + c]! += g;
          else for (let s = lo; s < hi; s++) d[(s * B + b) * F + c]! += g / (hi - lo);
        }
    }
    return actOf(dx, B, T, F);
  }

  getConfig(): LayerConfig {
    return { name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPooling1D extends Pooling1D {
  constructor(o?: PoolingOptions) {
    super('max', o);
  }
}
export class AveragePooling1D extends Pooling1D {
  constructor(o?: PoolingOptions) {
    super('average', o);
  }
}
/**
 * @example
 * import { maxPooling1d } from 'seqtune';
 * maxPooling1d({ poolSize: 2 })
 */
export const maxPooling1d = (o?: PoolingOptions): MaxPooling1D => new MaxPooling1D(o);
export const averagePooling1d = (o?: PoolingOptions): AveragePooling1D => new AveragePooling1D(o);

const poolingOptions = optionsObject({
  pool_size: posInt().optional(),
  strides: withDefault(posInt().optional(), 'pool_size'),
  padding: oneOf(['valid', 'same']).optional(),
});
const doc = 'pool_size, strides, padding';

/** MaxPooling1D and AveragePooling1D in the layer registry. */
export const poolingLayers: LayerEntry[] = [
  optionsLayer({
    name: 'max_pooling1d',
    className: 'MaxPooling1D',
    aliases: ['maxPooling1d'],
    doc,
    options: poolingOptions,
    create: maxPooling1d,
  }),
  optionsLayer({
    name: 'average_pooling1d',
    className: 'AveragePooling1D',
    aliases: ['averagePooling1d'],
    doc,
    options: poolingOptions,
    create: averagePooling1d,
  }),
];
