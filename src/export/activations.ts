// seqtune's activations in ONNX, in the two forms a graph needs: elementwise operators after a Dense or Conv1D, and
// the names (with alpha/beta) the GRU, LSTM and RNN operators take in their `activations` attribute. Every
// activation seqtune has maps to one of the functions the ONNX recurrent operators allow (docs/Operators.md of
// onnx/onnx: Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign,
// Softplus), so every pair of activations a recurrent layer can have is expressed as it is; both tables are typed
// by ActivationName, so an activation added to the engine does not compile until it has its ONNX form here.
//   hard_sigmoid = clip(x/6 + 1/2, 0, 1) = HardSigmoid(alpha 1/6, beta 1/2); elu = Elu(alpha 1); linear = Affine(1, 0)
import type { ActivationName } from '../nn/index.js';
import type { Attr, GraphBuilder } from './graph.js';

/** An activation as the recurrent operators take it: a function name and the alpha/beta it consumes, if any. */
export interface RnnActivation {
  readonly name: string;
  readonly alpha?: number;
  readonly beta?: number;
}

const RNN: Record<ActivationName, RnnActivation> = {
  linear: { name: 'Affine', alpha: 1, beta: 0 },
  sigmoid: { name: 'Sigmoid' },
  hard_sigmoid: { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 },
  tanh: { name: 'Tanh' },
  relu: { name: 'Relu' },
  softsign: { name: 'Softsign' },
  elu: { name: 'Elu', alpha: 1 },
};

/** Elementwise operators: [op, attributes]; linear is no operator at all. */
const ELEMENTWISE: Record<ActivationName, [string, Record<string, Attr>] | null> = {
  linear: null,
  sigmoid: ['Sigmoid', {}],
  hard_sigmoid: ['HardSigmoid', { alpha: { f: 1 / 6 }, beta: { f: 0.5 } }],
  tanh: ['Tanh', {}],
  relu: ['Relu', {}],
  softsign: ['Softsign', {}],
  elu: ['Elu', { alpha: { f: 1 } }],
};

/** The recurrent operators' name for an activation. */
export const rnnActivation = (name: ActivationName): RnnActivation => RNN[name];

/** Applies an activation to `x` as an elementwise operator; returns the result's name (x itself for linear). */
export function applyActivation(g: GraphBuilder, x: string, name: ActivationName, where: string): string {
  const op = ELEMENTWISE[name];
  return op ? g.node(op[0], [x], op[1], `${where}_${name}`) : x;
}

/**
 * The `activations`, `activation_alpha` and `activation_beta` attributes of a recurrent operator. alpha and beta
 * are listed only for the functions that take them, in the order of the functions, as ONNX Runtime reads them.
 */
export function rnnActivationAttrs(list: readonly RnnActivation[]): Record<string, Attr> {
  const attrs: Record<string, Attr> = { activations: { strings: list.map((a) => a.name) } };
  const alphas = list.flatMap((a) => (a.alpha === undefined ? [] : [a.alpha]));
  const betas = list.flatMap((a) => (a.beta === undefined ? [] : [a.beta]));
  if (alphas.length) attrs.activation_alpha = { floats: alphas };
  if (betas.length) attrs.activation_beta = { floats: betas };
  return attrs;
}
