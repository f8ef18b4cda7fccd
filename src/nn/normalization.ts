// Normalization over the feature axis.
// BatchNormalization: statistics per feature over every row of the batch (batch x time for
// sequences); training normalises with the batch mean and biased variance and updates moving
// statistics (moving = momentum*moving + (1-momentum)*batch, the variance unbiased as PyTorch);
// inference uses the moving statistics.  y = gamma (x - mean) / sqrt(var + eps) + beta.
// Backward (training): dx = invstd/M (M dxh - sum dxh - xh sum(dxh xh)), dxh = dy gamma.
// LayerNormalization: statistics per row over the features (biased variance), same formula.

import type { Buf } from '../engine/index.js';
import { assertOptionalBool, expected, ValueError } from '../errors.js';
import { bool, optionsObject, posNum, rate, withDefault } from '../registry.js';
import { type LayerEntry, optionsLayer } from './entry.js';
import { getInitializer } from './initializers.js';
import { type Act, actOf, Layer, type LayerConfig, type ParamSpec, rowsOf, type SeqShape } from './layer.js';

export interface NormalizationOptions {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  name?: string;
  inputShape?: number[];
}
export interface BatchNormalizationOptions extends NormalizationOptions {
  momentum?: number;
}

abstract class Normalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  protected last?: { x: Act; xh: Buf; inv: Buf; y: Buf; dx: Buf | null; training: boolean };

  constructor(
    readonly options: NormalizationOptions,
    prefix: string,
    defEps: number,
  ) {
    super(options?.name, prefix);
    this.epsilon = options.epsilon ?? defEps;
    if (!(this.epsilon > 0)) throw new ValueError(expected(`${prefix}.epsilon`, 'a positive number', options.epsilon));
    this.center = assertOptionalBool(`${prefix}.center`, options.center) ?? true;
    this.scale = assertOptionalBool(`${prefix}.scale`, options.scale) ?? true;
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }
  override paramSpecs(): ParamSpec[] {
    const F = this.inShape!.F,
      specs: ParamSpec[] = [];
    if (this.scale) specs.push({ name: 'gamma', shape: [F], initializer: getInitializer('ones') });
    if (this.center) specs.push({ name: 'beta', shape: [F], initializer: getInitializer('zeros') });
    return specs;
  }
  /** The normalised input, the inverse deviations (per feature or per row), the output, dL/dx (not in inference). */
  protected override workspaceSizes(B: number, inference = false) {
    const M = (this.inShape!.T ?? 1) * B,
      F = this.inShape!.F;
    return { xh: M * F, inv: Math.max(M, F), y: M * F, dx: inference ? null : M * F };
  }
  protected ws(x: Act) {
    return this.workspace(x.B, (inference) => this.allocSizes(this.workspaceSizes(x.B, inference)));
  }
  protected gammaBeta(): { g: Float32Array | null; b: Float32Array | null } {
    const { engine, params } = this.ctx;
    return {
      g: this.p.gamma ? engine.view(params, this.p.gamma.off, this.p.gamma.size) : null,
      b: this.p.beta ? engine.view(params, this.p.beta.off, this.p.beta.size) : null,
    };
  }
}

export class BatchNormalization extends Normalization {
  readonly className = 'BatchNormalization';
  override get updatesState(): boolean {
    return true;
  }
  readonly momentum: number;
  constructor(o: BatchNormalizationOptions = {}) {
    super(o, 'batch_normalization', 1e-3);
    this.momentum = o.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new ValueError(expected('BatchNormalization.momentum', 'a number in [0, 1)', o.momentum));
  }
  override paramSpecs(): ParamSpec[] {
    const F = this.inShape!.F;
    return [
      ...super.paramSpecs(),
      { name: 'movingMean', shape: [F], initializer: getInitializer('zeros'), trainable: false },
      { name: 'movingVariance', shape: [F], initializer: getInitializer('ones'), trainable: false },
    ];
  }

  forward(x: Act, training: boolean): Act {
    const { engine, state } = this.ctx;
    const w = this.ws(x),
      M = rowsOf(x),
      F = x.F;
    const f = engine.f32,
      xb = (x.buf.ptr >>> 2) + x.off;
    const xh = engine.view(w.xh),
      inv = engine.view(w.inv),
      y = engine.view(w.y);
    const mm = engine.view(state, this.p.movingMean!.off, F),
      mv = engine.view(state, this.p.movingVariance!.off, F);
    const { g, b } = this.gammaBeta();
    for (let j = 0; j < F; j++) {
      let mean: number, v: number;
      if (training) {
        let s = 0,
          s2 = 0;
        for (let r = 0; r < M; r++) s += f[xb + r * x.ld + j]!;
        mean = s / M;
        for (let r = 0; r < M; r++) {
          const d = f[xb + r * x.ld + j]! - mean;
          s2 += d * d;
        }
        v = s2 / M;
        mm[j] = this.momentum * mm[j]! + (1 - this.momentum) * mean;
        mv[j] = this.momentum * mv[j]! + (1 - this.momentum) * (M > 1 ? s2 / (M - 1) : v);
      } else {
        mean = mm[j]!;
        v = mv[j]!;
      }
      const is = 1 / Math.sqrt(v + this.epsilon);
      inv[j] = is;
      const gj = g ? g[j]! : 1,
        bj = b ? b[j]! : 0;
      for (let r = 0; r < M; r++) {
        const h = (f[xb + r * x.ld + j]! - mean) * is;
        xh[r * F + j] = h;
        y[r * F + j] = gj * h + bj;
      }
    }
    this.last = { x, xh: w.xh, inv: w.inv, y: w.y, dx: w.dx, training };
    return actOf(w.y, x.B, x.T, F);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    const { engine, grads } = this.ctx;
    const { x, training } = this.last!;
    const M = rowsOf(x),
      F = x.F,
      f = engine.f32,
      db = (dy.buf.ptr >>> 2) + dy.off;
    const xh = engine.view(this.last!.xh),
      inv = engine.view(this.last!.inv),
      dx = engine.view(this.last!.dx!);
    const { g } = this.gammaBeta();
    for (let j = 0; j < F; j++) {
      let sd = 0,
        sdh = 0;
      for (let r = 0; r < M; r++) {
        const d = f[db + r * dy.ld + j]!;
        sd += d;
        sdh += d * xh[r * F + j]!;
      }
      if (this.p.gamma) f[(grads.ptr >>> 2) + this.p.gamma.off + j]! += sdh;
      if (this.p.beta) f[(grads.ptr >>> 2) + this.p.beta.off + j]! += sd;
      if (!needDx) continue;
      const gj = g ? g[j]! : 1,
        is = inv[j]!;
      for (let r = 0; r < M; r++) {
        const d = f[db + r * dy.ld + j]! * gj;
        dx[r * F + j] = training ? (is / M) * (M * d - sd * gj - xh[r * F + j]! * sdh * gj) : d * is;
      }
    }
    return needDx ? actOf(this.last!.dx!, x.B, x.T, F) : null;
  }

  getConfig(): LayerConfig {
    return { name: this.name, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

export class LayerNormalization extends Normalization {
  readonly className = 'LayerNormalization';
  constructor(o: NormalizationOptions = {}) {
    super(o, 'layer_normalization', 1e-3);
  }

  forward(x: Act, training: boolean): Act {
    const { engine } = this.ctx;
    const w = this.ws(x),
      M = rowsOf(x),
      F = x.F;
    const f = engine.f32,
      xb = (x.buf.ptr >>> 2) + x.off;
    const xh = engine.view(w.xh),
      inv = engine.view(w.inv),
      y = engine.view(w.y);
    const { g, b } = this.gammaBeta();
    for (let r = 0; r < M; r++) {
      const o = xb + r * x.ld;
      let s = 0,
        s2 = 0;
      for (let j = 0; j < F; j++) s += f[o + j]!;
      const mean = s / F;
      for (let j = 0; j < F; j++) {
        const d = f[o + j]! - mean;
        s2 += d * d;
      }
      const is = 1 / Math.sqrt(s2 / F + this.epsilon);
      inv[r] = is;
      for (let j = 0; j < F; j++) {
        const h = (f[o + j]! - mean) * is;
        xh[r * F + j] = h;
        y[r * F + j] = (g ? g[j]! : 1) * h + (b ? b[j]! : 0);
      }
    }
    this.last = { x, xh: w.xh, inv: w.inv, y: w.y, dx: w.dx, training };
    return actOf(w.y, x.B, x.T, F);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    const { engine, grads } = this.ctx;
    const { x } = this.last!;
    const M = rowsOf(x),
      F = x.F,
      f = engine.f32,
      db = (dy.buf.ptr >>> 2) + dy.off,
      gb = grads.ptr >>> 2;
    const xh = engine.view(this.last!.xh),
      inv = engine.view(this.last!.inv),
      dx = engine.view(this.last!.dx!);
    const { g } = this.gammaBeta();
    for (let r = 0; r < M; r++) {
      const o = db + r * dy.ld;
      let s = 0,
        sh = 0;
      for (let j = 0; j < F; j++) {
        const d = f[o + j]!,
          h = xh[r * F + j]!;
        if (this.p.gamma) f[gb + this.p.gamma.off + j]! += d * h;
        if (this.p.beta) f[gb + this.p.beta.off + j]! += d;
        const dh = d * (g ? g[j]! : 1);
        s += dh;
        sh += dh * h;
      }
      if (!needDx) continue;
      for (let j = 0; j < F; j++) {
        const dh = f[o + j]! * (g ? g[j]! : 1);
        dx[r * F + j] = inv[r]! * (dh - s / F - (xh[r * F + j]! * sh) / F);
      }
    }
    return needDx ? actOf(this.last!.dx!, x.B, x.T, F) : null;
  }

  getConfig(): LayerConfig {
    return { name: this.name, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/**
 * @example
 * import { batchNormalization } from 'seqtune';
 * batchNormalization({ momentum: 0.99 })
 */
export const batchNormalization = (o?: BatchNormalizationOptions): BatchNormalization => new BatchNormalization(o);
/**
 * @example
 * import { layerNormalization } from 'seqtune';
 * layerNormalization()
 */
export const layerNormalization = (o?: NormalizationOptions): LayerNormalization => new LayerNormalization(o);

const normalizationOptions = {
  epsilon: withDefault(posNum().optional(), 0.001, "Keras'; PyTorch's 1e-5"),
  center: bool().optional(),
  scale: bool().optional(),
};

/** BatchNormalization and LayerNormalization in the layer registry. */
export const normalizationLayers: LayerEntry[] = [
  optionsLayer({
    name: 'batch_normalization',
    className: 'BatchNormalization',
    aliases: ['batchNormalization'],
    doc: 'momentum, epsilon, center, scale; moving statistics in predict',
    options: optionsObject({
      // PyTorch's momentum weighs the new batch: its 0.1 is Keras' (and this) 0.9
      momentum: withDefault(rate().optional(), 0.99, "Keras'; PyTorch's momentum 0.1, which is 0.9 here"),
      ...normalizationOptions,
    }),
    create: batchNormalization,
  }),
  optionsLayer({
    name: 'layer_normalization',
    className: 'LayerNormalization',
    aliases: ['layerNormalization'],
    doc: 'epsilon, center, scale',
    options: optionsObject(normalizationOptions),
    create: layerNormalization,
  }),
];
