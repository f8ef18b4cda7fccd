// Bidirectional wrapper: the layer runs forward and a copy runs backward over the sequence;
// outputs are concatenated on the feature axis (Keras merge_mode='concat'). With returnSequences
// false the backward half is its final state (time 0), as Keras; with true, both are in time order.

import { mat } from '../engine/index.js';
import { expected, ShapeError, ValueError } from '../errors.js';
import { type LayerEntry, layerEntry, savedOptions } from './entry.js';
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
import { Recurrent, recurrentRegistry } from './recurrent.js';

export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;

  /** `mergeMode`: what a saved model.json records; concat is the one merge there is (a config file names none). */
  constructor(layer: Recurrent, opts: { name?: string; mergeMode?: string } = {}) {
    super(opts.name, 'bidirectional');
    if (!(layer instanceof Recurrent)) throw new ValueError('bidirectional: expected a gru, lstm or simpleRNN layer');
    // another (Keras' sum, mul, ave) was ignored: the layer concatenated, in predict and in the export alike
    if (opts.mergeMode !== undefined && opts.mergeMode !== 'concat')
      throw new ValueError(expected('Bidirectional.mergeMode', '"concat", the one merge seqtune has', opts.mergeMode));
    this.forwardLayer = layer;
    // the wrapped layer's activity penalty, on both directions' outputs (their sum: the penalty of the concatenation,
    // as Keras adds each direction's); the stack applies a layer's own, and the inner layers are not the stack's
    this.activityRegularizer = layer.activityRegularizer;
    const { inputShape: _ignored, ...o } = layer.options;
    this.backwardLayer = new Recurrent(layer.cell, {
      ...o,
      goBackwards: !o.goBackwards,
      name: `${layer.name}_backward`,
    });
    this.backwardLayer.timeOrderOutput = true;
  }

  override get drawsRandom(): boolean {
    return this.forwardLayer.drawsRandom;
  }

  /**
   * The wrapped layer's refusal of the input is this layer's: it named the layer built inside (`lstm_2: LSTM needs a
   * sequence input`), which no stack holds, so a config's `bidirectional` after a vector was exit 1, 'a bug in
   * seqtune', where the key of a plain lstm there is named.
   */
  protected computeOutShape(s: SeqShape): SeqShape {
    let a: SeqShape;
    try {
      a = this.forwardLayer.build(s);
    } catch (e) {
      const own = `${this.forwardLayer.name}: `;
      if (!(e instanceof ShapeError && e.message.startsWith(own))) throw e;
      throw new ShapeError(`${this.name}: ${e.message.slice(own.length)}`, { cause: e });
    }
    this.backwardLayer.build(s);
    return { T: a.T, F: 2 * a.F };
  }

  override paramSpecs(): ParamSpec[] {
    return [
      ...this.forwardLayer.paramSpecs().map((p) => ({ ...p, name: `forward/${p.name}` })),
      ...this.backwardLayer.paramSpecs().map((p) => ({ ...p, name: `backward/${p.name}` })),
    ];
  }

  override attach(ctx: LayerContext, refs: readonly ParamRef[]): void {
    super.attach(ctx, refs);
    const part = (prefix: string) =>
      refs.filter((r) => r.name.startsWith(prefix)).map((r) => ({ ...r, name: r.name.slice(prefix.length) }));
    this.forwardLayer.attach(ctx, part('forward/'));
    this.backwardLayer.attach(ctx, part('backward/'));
  }

  /** The two directions' outputs side by side (the layers' own workspaces are theirs: inner). */
  protected override workspaceSizes(B: number) {
    return { out: (this.outShape!.T ?? 1) * B * this.outShape!.F };
  }

  forward(x: Act, training: boolean): Act {
    const a = this.forwardLayer.forward(x, training);
    const b = this.backwardLayer.forward(x, training);
    const H = a.F,
      M = rowsOf(a);
    const ws = this.workspace(x.B, () => this.allocSizes(this.workspaceSizes(x.B)));
    this.ctx.ops.copyRows(M, H, mat(a.buf, a.ld, a.off), mat(ws.out, 2 * H, 0));
    this.ctx.ops.copyRows(M, H, mat(b.buf, b.ld, b.off), mat(ws.out, 2 * H, H));
    return actOf(ws.out, x.B, a.T, 2 * H);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    const H = dy.F / 2;
    const half = (o: number): Act => ({ buf: dy.buf, off: dy.off + o, ld: dy.ld, B: dy.B, T: dy.T, F: H });
    const da = this.forwardLayer.backward(half(0), needDx);
    const db = this.backwardLayer.backward(half(H), needDx);
    if (!needDx || !da || !db) return null;
    this.ctx.ops.addRows(rowsOf(da), da.F, mat(db.buf, db.ld, db.off), mat(da.buf, da.ld, da.off));
    return da;
  }

  protected override inner(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override dispose(): void {
    for (const l of this.inner()) l.dispose();
    super.dispose();
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      mergeMode: 'concat',
      layer: serializeLayer(this.forwardLayer),
    };
  }
}

/**
 * @example
 * import { bidirectional, lstm } from 'seqtune';
 * bidirectional(lstm({ units: 32 }))
 */
export const bidirectional = (layer: Recurrent, opts?: { name?: string }): Bidirectional =>
  new Bidirectional(layer, opts);

function recurrentOf(layer: Layer): Recurrent {
  if (!(layer instanceof Recurrent))
    throw new ValueError('Bidirectional.layer: expected a GRU, LSTM or SimpleRNN config');
  return layer;
}

/** Bidirectional in the layer registry: `bidirectional: {lstm: {units: 32}}`. */
export const bidirectionalLayers: LayerEntry[] = [
  layerEntry({
    name: 'bidirectional',
    className: 'Bidirectional',
    doc: 'concat; wraps `gru`, `lstm` or `simple_rnn`',
    options: recurrentRegistry.schema(),
    example: { lstm: { units: 32 } },
    build: (o, ctx) => bidirectional(recurrentOf(ctx.inner(o, ctx.inputShape))),
    fromConfig: (c, inner) => {
      const o = savedOptions<{ name?: string; mergeMode?: string; layer: SavedLayer }>(c);
      return bidirectional(recurrentOf(inner(o.layer)), o);
    },
  }),
];
