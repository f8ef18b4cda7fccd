// What layer emitters pass along: a value of the graph with the per-sample shape seqtune gives it. Values are
// batch-major, as the model's input and output: (batch, T, F) for a sequence, (batch, F) for a vector.
import type { Layer } from '../nn/index.js';
import type { GraphBuilder } from './graph.js';

export interface Sym {
  readonly name: string;
  readonly T: number | null;
  readonly F: number;
  /**
   * The value may hold -Infinity where the window holds NaN: a max pool over cells that are all NaN gives it, and the
   * layers after it carry it on (layers.ts emitLayer) up to a recurrent layer, which masks by it (recurrent.ts).
   */
  readonly infinite?: boolean;
}

/** Writes one layer into the graph: its input value in, its output value out. */
export type Emit = (g: GraphBuilder, layer: Layer, x: Sym) => Sym;
