// Selects one timestep of a sequence: (T, F) -> (F). index may be negative (-1 is the last step),
// as x[:, index] in Keras/PyTorch code. Used to put a head on the last output of a bidirectional stack.

import { expected, ShapeError, ValueError } from '../errors.js';
import { int, optionsObject } from '../registry.js';
import { type LayerEntry, optionsLayer } from './entry.js';
import { type Act, actOf, Layer, type LayerConfig, type SeqShape } from './layer.js';

export class SelectTimestep extends Layer {
  readonly className = 'SelectTimestep';
  private t = 0;
  private B = 0;

  readonly index: number;

  /**
   * index is checked here, as the other layers check theirs: a model.json edited to index 1.5, "-1" or null loaded, and
   * export died on it (exit 1, a RangeError from BigInt) while predict read a step that is none or step 0 (exit 0).
   */
  constructor(index: number, name?: string) {
    super(name, 'select_timestep');
    if (!Number.isInteger(index)) throw new ValueError(expected('SelectTimestep.index', 'an integer', index));
    this.index = index;
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T === null) throw new ShapeError(`${this.name}: needs a sequence input, received a vector of ${s.F}`);
    const t = this.index < 0 ? s.T + this.index : this.index;
    if (t < 0 || t >= s.T) throw new ShapeError(`${this.name}: index ${this.index} outside a sequence of ${s.T} steps`);
    this.t = t;
    return { T: null, F: s.F };
  }

  forward(x: Act, _training: boolean): Act {
    this.B = x.B;
    return { buf: x.buf, off: x.off + this.t * x.B * x.ld, ld: x.ld, B: x.B, T: null, F: x.F };
  }

  /** dL/dx, a sequence that is zero but at the step taken (the forward pass reads x in place); none in inference. */
  protected override workspaceSizes(B: number, inference = false) {
    return { dx: inference ? null : this.inShape!.T! * B * this.inShape!.F };
  }

  backward(dy: Act, needDx: boolean): Act | null {
    if (!needDx) return null;
    const T = this.inShape!.T!,
      F = this.inShape!.F,
      B = this.B;
    const dx = this.workspace(B, () => this.allocSizes(this.workspaceSizes(B)).dx!);
    this.ctx.engine.view(dx).fill(0);
    this.ctx.ops.copyRows(B, F, { buf: dy.buf, off: dy.off, ld: dy.ld }, { buf: dx, off: this.t * B * F, ld: F });
    return actOf(dx, B, T, F);
  }

  getConfig(): LayerConfig {
    return { name: this.name, index: this.index };
  }
}

/**
 * @example
 * import { selectTimestep } from 'seqtune';
 * selectTimestep(-1)
 */
export const selectTimestep = (index: number, opts?: { name?: string }): SelectTimestep =>
  new SelectTimestep(index, opts?.name);

/** SelectTimestep in the layer registry: `select_timestep: {index: -1}`. */
export const timestepLayers: LayerEntry[] = [
  optionsLayer({
    name: 'select_timestep',
    className: 'SelectTimestep',
    aliases: ['selectTimestep'],
    doc: 'index, negative from the end; one step of a sequence',
    options: optionsObject({ index: int() }, '{index: i}'),
    example: { index: -1 },
    create: (o) => selectTimestep(o.index, o),
  }),
];
