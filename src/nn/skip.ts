// LinearSkip: a linear path from the whole input window to the output, next to the wrapped layers:
//   y = layers(x) + Flatten(x) W + b        x (B, T, F); layers(x) and y (B, U); W (T*F, U), b (U)
// The linear path is a Dense over the flattened window (both existing layers), its kernel zero at the start,
// so the model starts as the wrapped one and both paths train together. With data.relative the window is
// relative to its last step, so the linear path is NLinear and the recurrent path learns what it misses.
// `model.linear_skip: true` in a config wraps the model's layers in one.

import { mat } from '../engine/index.js';
import { assertOptionalBool, ShapeError, ValueError } from '../errors.js';
import { Dense } from './dense.js';
import {
  type Act,
  actOf,
  Layer,
  type LayerConfig,
  type LayerContext,
  type ParamRef,
  type ParamSpec,
  rowsOf,
  type SavedLayer,
  type SeqShape,
  serializeLayer,
} from './layer.js';
import { Flatten } from './reshape.js';

export interface LinearSkipOptions {
  name?: string;
  /**
   * The linear path is not trained: its weights stay as they are set from outside (zeros until then), with the
   * model's non-trainable state. `model.linear_skip: ridge` sets the ridge model's and trains the network on what
   * it misses.
   */
  frozenLinear?: boolean;
}

export class LinearSkip extends Layer {
  readonly className = 'LinearSkip';
  readonly layers: readonly Layer[];
  private readonly flat: Flatten;
  private linear?: Dense;

  constructor(
    layers: Layer[],
    private readonly opts: LinearSkipOptions = {},
  ) {
    super(opts.name, 'linear_skip');
    assertOptionalBool('LinearSkip.frozenLinear', opts.frozenLinear);
    if (!Array.isArray(layers) || layers.length === 0)
      throw new ValueError('linearSkip: expected a non-empty list of layers');
    const reg = layers.find((l) => l.activityRegularizer);
    if (reg)
      throw new ValueError(
        `linearSkip: ${reg.name} has an activity_regularizer, which a layer inside a linear skip cannot have`,
      );
    this.layers = layers;
    this.flat = new Flatten({ name: `${this.name}_flatten` });
  }

  override get updatesState(): boolean {
    return this.layers.some((l) => l.updatesState);
  }

  override get drawsRandom(): boolean {
    return this.layers.some((l) => l.drawsRandom);
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    let t = s;
    for (const l of this.layers) t = l.build(t);
    if (t.T !== null)
      throw new ShapeError(
        `${this.name}: a linear skip needs layers that end in a vector (a dense layer of horizon x targets units), ` +
          `received a sequence (${t.T}, ${t.F})`,
      );
    this.linear ??= new Dense({
      units: t.F,
      kernelInitializer: 'zeros',
      name: `${this.name}_linear`,
      trainable: !this.opts.frozenLinear,
    });
    this.linear.build(this.flat.build(s));
    return t;
  }

  override paramSpecs(): ParamSpec[] {
    return this.parts().flatMap(([prefix, l]) => l.paramSpecs().map((p) => ({ ...p, name: `${prefix}${p.name}` })));
  }

  override attach(ctx: LayerContext, refs: readonly ParamRef[]): void {
    super.attach(ctx, refs);
    for (const [prefix, l] of this.parts())
      l.attach(
        ctx,
        refs.filter((r) => r.name.startsWith(prefix)).map((r) => ({ ...r, name: r.name.slice(prefix.length) })),
      );
    this.flat.attach(ctx, []);
  }

  /** The wrapped layers and the linear path, each with the prefix of its weight names. */
  private parts(): [string, Layer][] {
    return [...this.layers.map((l, i): [string, Layer] => [`${i}/`, l]), ['linear/', this.linear!]];
  }

  /** The sum of the two paths (the layers' own workspaces are theirs: inner). */
  protected override workspaceSizes(B: number) {
    return { out: B * this.outShape!.F };
  }

  forward(x: Act, training: boolean): Act {
    let a = x;
    for (const l of this.layers) a = l.forward(a, training);
    const s = this.linear!.forward(this.flat.forward(x, training), training);
    const M = rowsOf(a),
      U = a.F;
    const ws = this.workspace(x.B, () => this.allocSizes(this.workspaceSizes(x.B)));
    this.ctx.ops.copyRows(M, U, mat(a.buf, a.ld, a.off), mat(ws.out, U));
    this.ctx.ops.addRows(M, U, mat(s.buf, s.ld, s.off), mat(ws.out, U));
    return actOf(ws.out, x.B, null, U);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    // the linear path first: a layer's backward may scale dy in place (a dense layer's by its activation's
    // derivative), which gave the linear path the gradient of output = act(...) + act'(...) (x W + b)
    const ds = this.linear!.backward(dy, needDx);
    const dxs = ds && this.flat.backward(ds, needDx);
    let d: Act | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) d = this.layers[i]!.backward(d!, i > 0 || needDx);
    if (!needDx || !d || !dxs) return null;
    this.ctx.ops.addRows(rowsOf(d), d.F, mat(dxs.buf, dxs.ld, dxs.off), mat(d.buf, d.ld, d.off));
    return d;
  }

  protected override inner(): Layer[] {
    return [...this.layers, ...(this.linear ? [this.linear] : []), this.flat];
  }

  override dispose(): void {
    for (const l of this.inner()) l.dispose();
    super.dispose();
  }

  getConfig(): LayerConfig {
    const inputShape = this.layers[0]!.getConfig().inputShape;
    return {
      name: this.name,
      layers: this.layers.map(serializeLayer),
      ...(inputShape ? { inputShape } : {}),
      ...(this.opts.frozenLinear ? { frozenLinear: true } : {}),
    };
  }

  /** Rebuilds a saved LinearSkip; `inner` rebuilds each wrapped layer. */
  static fromConfig(c: LayerConfig, inner: (saved: SavedLayer) => Layer): LinearSkip {
    const saved = c.layers as SavedLayer[] | undefined;
    if (!Array.isArray(saved)) throw new ValueError('LinearSkip.layers: expected the saved list of layers');
    return new LinearSkip(saved.map(inner), {
      name: c.name as string | undefined,
      frozenLinear: c.frozenLinear as boolean | undefined,
    });
  }
}

/**
 * The layers with a linear path from the input window to their output added (output = layers + linear).
 * @example
 * import { dense, gru } from 'seqtune';
 * import { linearSkip } from 'seqtune/nn';
 * linearSkip([gru({ units: 32, inputShape: [96, 1] }), dense({ units: 24 })])
 */
export const linearSkip = (layers: Layer[], opts?: LinearSkipOptions): LinearSkip => new LinearSkip(layers, opts);
