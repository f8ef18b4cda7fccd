// What layer emitters pass along: a value of the graph with the per-sample shape seqtune gives it. Values are
// batch-major, as the model's input and output: (batch, T, F) for a sequence, (batch, F) for a vector.
import type { Layer } from '../nn/index.js';
import type { GraphBuilder } from './graph.js';

export interface Sym {
  readonly name: string;
  readonly T: number | null;
  readonly F: number;
}

/** Writes one layer into the graph: its input value in, its output value out. */
export type Emit = (g: GraphBuilder, layer: Layer, x: Sym) => Sym;
