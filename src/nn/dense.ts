// Dense: y = act(x W + b) on the last axis; on a sequence it applies to every timestep (as Keras).

import { type Buf, mat, Ops } from '../engine/index.js';
import { assertOptionalBool, assertPositiveInt } from '../errors.js';
import { optionsObject, posInt } from '../registry.js';
import { activationId } from './activations.js';
import { kernelOptions, type LayerEntry, optionsLayer } from './entry.js';
import { getInitializer } from './initializers.js';
import {
  type Act,
  actOf,
  asMat,
  type KernelLayerOptions,
  kernelAndBias,
  Layer,
  type LayerConfig,
  type ParamSpec,
  rowsOf,
  type SeqShape,
} from './layer.js';
import { getRegularizer, type Regularizer } from './regularizers.js';

export interface DenseOptions extends KernelLayerOptions {
  units: number;
  inputShape?: number[];
  name?: string;
  /**
   * false: the weights are kept as they are set (Keras' `layer.trainable = False`): they live with the model's
   * non-trainable state, get no gradient and no optimizer step. A layer option of the API, not of config files.
   */
  trainable?: boolean;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  private readonly actId: number;
  private readonly kernelReg?: Regularizer;
  private readonly biasReg?: Regularizer;
  private last?: { x: Act; y: Buf; dx: Buf | null; B: number };

  constructor(readonly options: DenseOptions) {
    super(options?.name, 'dense');
    this.units = assertPositiveInt('Dense.units', options?.units);
    assertOptionalBool('Dense.useBias', options.useBias);
    assertOptionalBool('Dense.trainable', options.trainable);
    this.actId = activationId(options.activation ?? 'linear', 'Dense.activation');
    getInitializer(options.kernelInitializer ?? 'glorotUniform', 'Dense.kernelInitializer');
    getInitializer(options.biasInitializer ?? 'zeros', 'Dense.biasInitializer');
    this.kernelReg = getRegularizer(options.kernelRegularizer, 'Dense.kernelRegularizer');
    this.biasReg = getRegularizer(options.biasRegularizer, 'Dense.biasRegularizer');
    this.activityRegularizer = getRegularizer(options.activityRegularizer, 'Dense.activityRegularizer');
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    return { T: s.T, F: this.units };
  }

  override paramSpecs(): ParamSpec[] {
    const specs = kernelAndBias(this.options, [this.inShape!.F, this.units], [this.units], {
      kernel: this.kernelReg,
      bias: this.biasReg,
    });
    return this.options.trainable === false ? specs.map((p) => ({ ...p, trainable: false })) : specs;
  }

  /** The buffer the weights live in: the trainable parameters, or the state when the layer is not trainable. */
  private get weights(): Buf {
    return this.options.trainable === false ? this.ctx.state : this.ctx.params;
  }

  /** y = x W (N = units), dW = x^T dy (x transposed: F rows), dx = dy W^T (N = F); in inference y alone. */
  override scratchFloats(inference = false): number {
    const F = this.inShape!.F;
    if (inference) return Ops.scratchFloats(this.units, false, 0);
    return Math.max(Ops.scratchFloats(this.units, this.options.trainable !== false, F), Ops.scratchFloats(F, false, 0));
  }

  /** The output, and dL/dx (not in inference). */
  protected override workspaceSizes(B: number, inference = false) {
    const M = (this.inShape!.T ?? 1) * B;
    return { y: M * this.units, dx: inference ? null : M * this.inShape!.F };
  }

  forward(x: Act, _training: boolean): Act {
    const { ops } = this.ctx,
      params = this.weights;
    const F = this.inShape!.F,
      U = this.units,
      M = rowsOf(x);
    const w = this.workspace(x.B, (inference) => this.allocSizes(this.workspaceSizes(x.B, inference)));
    const y = mat(w.y, U);
    if (this.p.bias)
      ops.gemmBias(M, U, F, asMat(x), false, mat(params, U, this.p.kernel!.off), false, y, params, this.p.bias.off);
    else ops.gemm(M, U, F, asMat(x), false, mat(params, U, this.p.kernel!.off), false, y, 0);
    ops.actRows(this.actId, M, U, y);
    this.last = { x, y: w.y, dx: w.dx, B: x.B };
    return actOf(w.y, x.B, x.T, U);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    const { ops, grads } = this.ctx,
      params = this.weights;
    const { x, y, dx } = this.last!;
    const F = this.inShape!.F,
      U = this.units,
      M = rowsOf(x);
    const d = asMat(dy);
    ops.dactRows(this.actId, M, U, mat(y, U), d);
    if (this.options.trainable !== false) {
      ops.gemm(F, U, M, asMat(x), true, d, false, mat(grads, U, this.p.kernel!.off), 1);
      if (this.p.bias) ops.colsum(M, U, d, grads, this.p.bias.off, 1);
    }
    if (!needDx) return null;
    ops.gemm(M, F, U, d, false, mat(params, U, this.p.kernel!.off), true, mat(dx!, F), 0);
    return actOf(dx!, x.B, x.T, F);
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      units: this.units,
      activation: this.options.activation ?? 'linear',
      useBias: this.options.useBias ?? true,
      kernelInitializer: this.options.kernelInitializer ?? 'glorotUniform',
      biasInitializer: this.options.biasInitializer ?? 'zeros',
      ...(this.kernelReg ? { kernelRegularizer: this.kernelReg.config } : {}),
      ...(this.biasReg ? { biasRegularizer: this.biasReg.config } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: this.activityRegularizer.config } : {}),
      ...(this.options.inputShape ? { inputShape: this.options.inputShape } : {}),
      // a frozen layer stays frozen in the saved model: loaded, its weights were trained again by a further fit
      ...(this.options.trainable === false ? { trainable: false } : {}),
    };
  }
}

/**
 * Fully connected layer.
 * @example
 * import { dense } from 'seqtune';
 * dense({ units: 1 })
 */
export const dense = (opts: DenseOptions): Dense => new Dense(opts);

/** Dense in the layer registry. */
export const denseLayers: LayerEntry[] = [
  optionsLayer({
    name: 'dense',
    className: 'Dense',
    doc: 'on vectors or every timestep',
    options: optionsObject({ units: posInt(), ...kernelOptions }, 'an options object such as {units: 1}'),
    example: { units: 1 },
    create: dense,
  }),
];
