// Conv1D over time, as Keras: kernel (kernelSize, F, filters), bias (filters), padding
// 'valid' | 'same' | 'causal', strides, dilation. Output step t' reads input steps
// t'*strides + j*dilation - padLeft for j < kernelSize (zero outside the sequence).
// Implemented as im2col (rows (t', b), columns (j, f)) followed by one GEMM:
//   y = act(cols @ W + b);  dW += cols^T dy;  dcols = dy W^T, scattered back to dx.

import { type Buf, mat, Ops } from '../engine/index.js';
import { assertOptionalBool, assertPositiveInt, expected, ShapeError, ValueError } from '../errors.js';
import { oneOf, optionsObject, posInt } from '../registry.js';
import { activationId } from './activations.js';
import { kernelOptions, type LayerEntry, optionsLayer } from './entry.js';
import {
  type Act,
  actOf,
  type KernelLayerOptions,
  kernelAndBias,
  Layer,
  type LayerConfig,
  type ParamSpec,
  type SeqShape,
} from './layer.js';
import { getRegularizer, type Regularizer } from './regularizers.js';

export type Padding = 'valid' | 'same' | 'causal';

export interface Conv1DOptions extends KernelLayerOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: Padding;
  dilationRate?: number;
  inputShape?: [number, number];
  name?: string;
}

/** Output length and left padding of a 1-D window op (Keras/TensorFlow rules). */
export function windowGeometry(
  T: number,
  k: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { out: number; padLeft: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.max(0, Math.floor((T - span) / stride) + 1), padLeft: 0 };
  if (padding === 'causal') return { out: Math.floor((T - 1) / stride) + 1, padLeft: span - 1 };
  const out = Math.ceil(T / stride);
  const total = Math.max((out - 1) * stride + span - T, 0);
  return { out, padLeft: Math.floor(total / 2) };
}

export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly dilationRate: number;
  private readonly actId: number;
  private readonly kernelReg?: Regularizer;
  private readonly biasReg?: Regularizer;
  private geo = { out: 0, padLeft: 0 };
  private last?: { x: Act; cols: Buf; y: Buf; dcols: Buf | null; dx: Buf | null };

  constructor(readonly options: Conv1DOptions) {
    super(options?.name, 'conv1d');
    this.filters = assertPositiveInt('Conv1D.filters', options?.filters);
    this.kernelSize = assertPositiveInt('Conv1D.kernelSize', options.kernelSize);
    this.strides = assertPositiveInt('Conv1D.strides', options.strides ?? 1);
    this.dilationRate = assertPositiveInt('Conv1D.dilationRate', options.dilationRate ?? 1);
    assertOptionalBool('Conv1D.useBias', options.useBias);
    this.padding = options.padding ?? 'valid';
    if (!['valid', 'same', 'causal'].includes(this.padding))
      throw new ValueError(expected('Conv1D.padding', 'valid, same or causal', this.padding));
    if (this.strides > 1 && this.dilationRate > 1)
      throw new ValueError('Conv1D: strides > 1 together with dilationRate > 1 is not supported (as Keras)');
    this.actId = activationId(options.activation ?? 'linear', 'Conv1D.activation');
    this.kernelReg = getRegularizer(options.kernelRegularizer, 'Conv1D.kernelRegularizer');
    this.biasReg = getRegularizer(options.biasRegularizer, 'Conv1D.biasRegularizer');
    this.activityRegularizer = getRegularizer(options.activityRegularizer, 'Conv1D.activityRegularizer');
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T === null)
      throw new ShapeError(`${this.name}: Conv1D needs a sequence input (T, F), received a vector of ${s.F}`);
    this.geo = windowGeometry(s.T, this.kernelSize, this.strides, this.dilationRate, this.padding);
    if (this.geo.out < 1)
      throw new ShapeError(
        `${this.name}: a kernel spanning ${(this.kernelSize - 1) * this.dilationRate + 1} steps ` +
          `does not fit a sequence of ${s.T} with padding "${this.padding}"`,
      );
    return { T: this.geo.out, F: this.filters };
  }

  override paramSpecs(): ParamSpec[] {
    return kernelAndBias(this.options, [this.kernelSize, this.inShape!.F, this.filters], [this.filters], {
      kernel: this.kernelReg,
      bias: this.biasReg,
    });
  }

  /** Visits every (output row, kernel tap) pair that reads a real input row. */
  private taps(B: number, visit: (outRow: number, col: number, inRow: number) => void): void {
    const T = this.inShape!.T!,
      { out, padLeft } = this.geo;
    for (let t = 0; t < out; t++)
      for (let j = 0; j < this.kernelSize; j++) {
        const s = t * this.strides + j * this.dilationRate - padLeft;
        if (s < 0 || s >= T) continue;
        for (let b = 0; b < B; b++) visit(t * B + b, j, s * B + b);
      }
  }

  /** y = cols W (N = filters), dW = cols^T dy (cols transposed: K rows), dcols = dy W^T (N = K); in inference y. */
  override scratchFloats(inference = false): number {
    const K = this.kernelSize * this.inShape!.F;
    if (inference) return Ops.scratchFloats(this.filters, false, 0);
    return Math.max(Ops.scratchFloats(this.filters, true, K), Ops.scratchFloats(K, false, 0));
  }

  /** The im2col rows, the output, and (not in inference) the rows' gradient and dL/dx. */
  protected override workspaceSizes(B: number, inference = false) {
    const F = this.inShape!.F,
      K = this.kernelSize * F,
      rows = this.geo.out * B;
    const back = (n: number) => (inference ? null : n);
    return { cols: rows * K, y: rows * this.filters, dcols: back(rows * K), dx: back(this.inShape!.T! * B * F) };
  }

  forward(x: Act, _training: boolean): Act {
    const { engine, ops, params } = this.ctx;
    const F = this.inShape!.F,
      K = this.kernelSize * F,
      U = this.filters,
      rows = this.geo.out * x.B;
    const w = this.workspace(x.B, (inference) => this.allocSizes(this.workspaceSizes(x.B, inference)));
    const cols = engine.view(w.cols);
    cols.fill(0);
    const f = engine.f32,
      xb = (x.buf.ptr >>> 2) + x.off;
    this.taps(x.B, (r, j, s) => {
      for (let c = 0; c < F; c++) cols[r * K + j * F + c] = f[xb + s * x.ld + c]!;
    });
    const y = mat(w.y, U);
    if (this.p.bias)
      ops.gemmBias(
        rows,
        U,
        K,
        mat(w.cols, K),
        false,
        mat(params, U, this.p.kernel!.off),
        false,
        y,
        params,
        this.p.bias.off,
      );
    else ops.gemm(rows, U, K, mat(w.cols, K), false, mat(params, U, this.p.kernel!.off), false, y, 0);
    ops.actRows(this.actId, rows, U, y);
    this.last = { x, ...w };
    return actOf(w.y, x.B, this.geo.out, U);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    const { engine, ops, params, grads } = this.ctx;
    const { x, cols, y, dcols, dx } = this.last!;
    const F = this.inShape!.F,
      K = this.kernelSize * F,
      U = this.filters,
      rows = this.geo.out * x.B,
      T = this.inShape!.T!;
    const d = mat(dy.buf, dy.ld, dy.off);
    ops.dactRows(this.actId, rows, U, mat(y, U), d);
    ops.gemm(K, U, rows, mat(cols, K), true, d, false, mat(grads, U, this.p.kernel!.off), 1);
    if (this.p.bias) ops.colsum(rows, U, d, grads, this.p.bias.off, 1);
    if (!needDx) return null;
    ops.gemm(rows, K, U, d, false, mat(params, U, this.p.kernel!.off), true, mat(dcols!, K), 0);
    const dxv = engine.view(dx!),
      dc = engine.view(dcols!);
    dxv.fill(0);
    this.taps(x.B, (r, j, s) => {
      for (let c = 0; c < F; c++) dxv[s * F + c]! += dc[r * K + j * F + c]!;
    });
    return actOf(dx!, x.B, T, F);
  }

  getConfig(): LayerConfig {
    const o = this.options;
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: o.activation ?? 'linear',
      useBias: o.useBias ?? true,
      kernelInitializer: o.kernelInitializer ?? 'glorotUniform',
      biasInitializer: o.biasInitializer ?? 'zeros',
      ...(this.kernelReg ? { kernelRegularizer: this.kernelReg.config } : {}),
      ...(this.biasReg ? { biasRegularizer: this.biasReg.config } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: this.activityRegularizer.config } : {}),
      ...(o.inputShape ? { inputShape: o.inputShape } : {}),
    };
  }
}

/**
 * @example
 * import { conv1d } from 'seqtune';
 * conv1d({ filters: 32, kernelSize: 3, padding: 'causal', activation: 'relu' })
 */
export const conv1d = (o: Conv1DOptions): Conv1D => new Conv1D(o);

/** Conv1D in the layer registry, with every option the layer takes. */
export const convLayers: LayerEntry[] = [
  optionsLayer({
    name: 'conv1d',
    className: 'Conv1D',
    doc: 'filters, kernel_size; same/valid/causal padding, strides, dilation_rate',
    options: optionsObject(
      {
        filters: posInt(),
        kernel_size: posInt(),
        strides: posInt().optional(),
        padding: oneOf(['valid', 'same', 'causal']).optional(),
        dilation_rate: posInt().optional(),
        ...kernelOptions,
      },
      '{filters: n, kernel_size: k}',
      // refused with the config, in its keys: the layer's own refusal named its TypeScript option ('Conv1D: strides >
      // 1 together with dilationRate > 1 is not supported')
    ).refine((c) => (c.strides ?? 1) === 1 || (c.dilation_rate ?? 1) === 1, {
      error: 'strides 1 or dilation_rate 1 (a convolution with strides > 1 cannot be dilated, as in Keras)',
    }),
    example: { filters: 32, kernel_size: 3, padding: 'causal' },
    create: conv1d,
  }),
];
