// The noise layers, active only in training and the identity at validation, test and predict.
// Dropout: inverted dropout (kept values scaled by 1/(1-rate)), an independent mask per element.

import { type Buf, mat } from '../engine/index.js';
import { assertRate } from '../errors.js';
import { optionsObject, rate } from '../registry.js';
import { type LayerEntry, optionsLayer } from './entry.js';
import { type Act, actOf, asMat, Layer, type LayerConfig, rowsOf, type SeqShape } from './layer.js';

export interface DropoutOptions {
  rate: number;
  name?: string;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  private last?: { mask: Buf | null; dx: Buf; x: Act };

  constructor(opts: DropoutOptions) {
    super(opts?.name, 'dropout');
    this.rate = assertRate('Dropout.rate', opts?.rate);
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }

  forward(x: Act, training: boolean): Act {
    if (!training || this.rate === 0) {
      this.last = { mask: null, dx: null as unknown as Buf, x };
      return x;
    }
    const F = this.inShape!.F,
      M = rowsOf(x);
    const w = this.workspace(x.B, () => ({ mask: this.alloc(M * F), y: this.alloc(M * F), dx: this.alloc(M * F) }));
    const m = this.ctx.engine.view(w.mask),
      keep = 1 / (1 - this.rate);
    for (let i = 0; i < m.length; i++) m[i] = this.ctx.rng.uniform() < this.rate ? 0 : keep;
    this.ctx.ops.mulRows(M, F, asMat(x), mat(w.mask, F), mat(w.y, F));
    this.last = { mask: w.mask, dx: w.dx, x };
    return actOf(w.y, x.B, x.T, F);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    if (!needDx) return null;
    const { mask, dx, x } = this.last!;
    if (!mask) return dy;
    const F = this.inShape!.F,
      M = rowsOf(x);
    this.ctx.ops.mulRows(M, F, asMat(dy), mat(mask, F), mat(dx, F));
    return actOf(dx, x.B, x.T, F);
  }

  getConfig(): LayerConfig {
    return { name: this.name, rate: this.rate };
  }
}

/** @example dropout({ rate: 0.2 }) */
export const dropout = (opts: DropoutOptions): Dropout => new Dropout(opts);

/** The noise layers in the layer registry. */
export const noiseLayers: LayerEntry[] = [
  optionsLayer({
    name: 'dropout',
    className: 'Dropout',
    doc: 'rate; training only',
    options: optionsObject({ rate: rate() }, '{rate: x}'),
    example: { rate: 0.2 },
    create: dropout,
  }),
];
