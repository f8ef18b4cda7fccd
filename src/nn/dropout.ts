// The noise layers, active only in training and the identity at validation, test and predict.
// Dropout: inverted dropout (kept values scaled by 1/(1-rate)), an independent mask per element.
// GaussianNoise (Keras): y = x + e, e ~ N(0, stddev^2) per element; dL/dx = dL/dy.

import { type Buf, mat } from '../engine/index.js';
import { assertRate, expected, ValueError } from '../errors.js';
import { nonNeg, nonNegInt, optionsObject, rate } from '../registry.js';
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

  override get drawsRandom(): boolean {
    return this.rate > 0;
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }

  /** The mask, the output and dL/dx of B samples in training. */
  private sizes(B: number) {
    const n = (this.inShape!.T ?? 1) * B * this.inShape!.F;
    return { mask: n, y: n, dx: n };
  }

  /** A training step's at a rate above 0 (inference, and a rate of 0, pass x through). */
  protected override workspaceSizes(B: number, inference = false) {
    return this.rate > 0 && !inference ? this.sizes(B) : {};
  }

  forward(x: Act, training: boolean): Act {
    if (!training || this.rate === 0) {
      this.last = { mask: null, dx: null as unknown as Buf, x };
      return x;
    }
    const F = this.inShape!.F,
      M = rowsOf(x);
    const w = this.workspace(x.B, () => this.allocSizes(this.sizes(x.B)));
    const m = this.ctx.engine.view(w.mask),
      keep = 1 / (1 - this.rate);
    this.ctx.draws.mask(m, x.B, F, this.rate, keep);
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

/**
 * @example
 * import { dropout } from 'seqtune';
 * dropout({ rate: 0.2 })
 */
export const dropout = (opts: DropoutOptions): Dropout => new Dropout(opts);

export interface GaussianNoiseOptions {
  /** Standard deviation of the noise. */
  stddev: number;
  /** Salts the layer's noise (another seed, other noise); either way each step's draws come from the model's seed. */
  seed?: number;
  name?: string;
}

export class GaussianNoise extends Layer {
  readonly className = 'GaussianNoise';
  readonly stddev: number;
  readonly seed?: number;

  constructor(opts: GaussianNoiseOptions) {
    super(opts?.name, 'gaussian_noise');
    const { stddev, seed } = opts ?? {};
    if (!(typeof stddev === 'number' && stddev >= 0 && Number.isFinite(stddev)))
      throw new ValueError(expected('GaussianNoise.stddev', 'a non-negative number', stddev));
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
      throw new ValueError(expected('GaussianNoise.seed', 'a non-negative integer', seed));
    this.stddev = stddev;
    this.seed = seed;
  }

  override get drawsRandom(): boolean {
    return this.stddev > 0;
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }

  /** The noisy output of B samples in training. */
  private sizes(B: number) {
    return { y: (this.inShape!.T ?? 1) * B * this.inShape!.F };
  }

  /** A training step's at a deviation above 0 (inference, and a deviation of 0, pass x through). */
  protected override workspaceSizes(B: number, inference = false) {
    return this.stddev > 0 && !inference ? this.sizes(B) : {};
  }

  forward(x: Act, training: boolean): Act {
    if (!training || this.stddev === 0) return x;
    const F = this.inShape!.F,
      M = rowsOf(x);
    const w = this.workspace(x.B, () => this.allocSizes(this.sizes(x.B)));
    // with a seed of its own, the layer's noise is a stream of its own: the seed salts the step's draws
    this.ctx.draws.normal(this.ctx.engine.view(w.y), x.B, F, this.stddev, this.seed ?? 0);
    this.ctx.ops.addRows(M, F, asMat(x), mat(w.y, F));
    return actOf(w.y, x.B, x.T, F);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    return needDx ? dy : null;
  }

  getConfig(): LayerConfig {
    return { name: this.name, stddev: this.stddev, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

/**
 * @example
 * import { gaussianNoise } from 'seqtune';
 * gaussianNoise({ stddev: 0.1 })
 */
export const gaussianNoise = (opts: GaussianNoiseOptions): GaussianNoise => new GaussianNoise(opts);

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
  optionsLayer({
    name: 'gaussian_noise',
    className: 'GaussianNoise',
    aliases: ['gaussianNoise'],
    doc: 'stddev, seed; adds N(0, stddev^2) noise, training only',
    options: optionsObject({ stddev: nonNeg(), seed: nonNegInt().optional() }, '{stddev: x}'),
    example: { stddev: 0.1 },
    create: gaussianNoise,
  }),
];
