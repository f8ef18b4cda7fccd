// GRU, LSTM and SimpleRNN as the ONNX GRU, LSTM and RNN operators, and Bidirectional as the concatenation of its
// two recurrent layers. ONNX wants the input time-major (T, batch, F) and weights per gate block in its own order:
//   GRU  seqtune r, z, n  -> ONNX z, r, h   (linear_before_reset=1 is seqtune's reset-after GRU)
//   LSTM seqtune i, f, g, o -> ONNX i, o, f, c
// W (1, G*H, F) = kernel^T, R (1, G*H, H) = recurrentKernel^T, B (1, 2*G*H) = [bias, recurrentBias (GRU) or 0].
// A layer that goes backwards is direction="reverse"; ONNX's Y is in time order, seqtune (as Keras) returns a
// backwards layer's sequence in processing order, so it is reversed with a Slice (Bidirectional's backward
// copy keeps time order, as ONNX does).
import type { Bidirectional, Cell, Layer, Recurrent } from '../nn/index.js';
import { rnnActivation, rnnActivationAttrs } from './activations.js';
import type { GraphBuilder } from './graph.js';
import type { Sym } from './types.js';

const ORDER: Record<Cell, readonly number[]> = { gru: [1, 0, 2], lstm: [0, 3, 1, 2], simple_rnn: [0] };
const OP: Record<Cell, string> = { gru: 'GRU', lstm: 'LSTM', simple_rnn: 'RNN' };
const INT64_MIN = -(2 ** 63);

/** (inDim, G*H) in seqtune's gate order -> (G*H, inDim) in ONNX's. */
function gateRows(src: Float32Array, inDim: number, H: number, order: readonly number[]): Float32Array {
  const G = order.length,
    out = new Float32Array(G * H * inDim);
  order.forEach((sg, og) => {
    for (let j = 0; j < H; j++)
      for (let k = 0; k < inDim; k++) out[(og * H + j) * inDim + k] = src[k * G * H + sg * H + j]!;
  });
  return out;
}

/** A (G*H) bias in ONNX's gate order. */
function gateBias(src: Float32Array, H: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * H);
  order.forEach((sg, og) => {
    out.set(src.subarray(sg * H, (sg + 1) * H), og * H);
  });
  return out;
}

/** The W, R and B inputs of the operator, from the layer's weights. */
function weights(g: GraphBuilder, layer: Recurrent, F: number): [string, string, string] {
  const H = layer.units,
    G = layer.gates,
    order = ORDER[layer.cell];
  const W = g.constant(`${layer.name}_W`, gateRows(layer.getWeight('kernel'), F, H, order), [1, G * H, F]);
  const R = g.constant(`${layer.name}_R`, gateRows(layer.getWeight('recurrentKernel'), H, H, order), [1, G * H, H]);
  const b = new Float32Array(2 * G * H);
  if (layer.options.useBias) {
    b.set(gateBias(layer.getWeight('bias'), H, order), 0);
    if (layer.cell === 'gru') b.set(gateBias(layer.getWeight('recurrentBias'), H, order), G * H);
  }
  return [W, R, g.constant(`${layer.name}_B`, b, [1, 2 * G * H])];
}

/** The operator's attributes: size, direction, activations (gates first), GRU's reset-after. */
function attributes(layer: Recurrent) {
  const o = layer.options;
  const act = rnnActivation(o.activation),
    gate = rnnActivation(o.recurrentActivation);
  const list = layer.cell === 'gru' ? [gate, act] : layer.cell === 'lstm' ? [gate, act, act] : [act];
  return {
    hidden_size: { i: layer.units },
    direction: { s: o.goBackwards ? 'reverse' : 'forward' },
    ...rnnActivationAttrs(list),
    ...(layer.cell === 'gru' ? { linear_before_reset: { i: 1 } } : {}),
  };
}

/**
 * NaN where seqtune's state is NaN: from the first step whose input holds a NaN on, in processing order. ONNX Runtime's
 * GRU and LSTM kernels turn a NaN input into finite outputs (a window with a missing cell forecast 0.34 where
 * seqtune's predict gives NaN), so the steps are masked after the operator:
 *   nan_t = any_f isnan(x[t, :, f])  (behind a max pool: any_j isnan((x W)[t, :, j]));
 *   seen_t = sum_{s <= t} nan_s (s >= t going backwards)
 *   y_t = seen_t > 0 ? NaN : y_t
 * xt (T, batch, F) -> y (T, batch, H), or the last state (batch, H) with every step seen.
 */
function maskNaN(g: GraphBuilder, layer: Recurrent, x: Sym, xt: string, y: string, sequence: boolean): string {
  const name = layer.name;
  // behind a max pool a step of -Infinity (a pool window of NaN cells) makes seqtune's state NaN where its input
  // projection x W is NaN (-Infinity times weights of both signs), which ONNX Runtime's kernels turned into numbers:
  // there the steps are read off x W (batch, T, G*H), one more product of the input; elsewhere off x itself
  const src = x.infinite
    ? g.node(
        'MatMul',
        [xt, g.constant(`${name}_kernel`, layer.getWeight('kernel'), [x.F, layer.gates * layer.units])],
        {},
        `${name}_projection`,
      )
    : xt;
  const nan = g.node('Cast', [g.node('IsNaN', [src], {}, `${name}_isnan`)], { to: { i: 1 } }, `${name}_nan`);
  const step = g.node('ReduceMax', [nan], { axes: { ints: [2] }, keepdims: { i: 1 } }, `${name}_nan_step`);
  const seen = sequence
    ? g.node(
        'CumSum',
        [step, g.constant('axis0_scalar', [0], [], 'int64')],
        { reverse: { i: layer.options.goBackwards ? 1 : 0 } },
        `${name}_nan_seen`,
      )
    : g.node('ReduceMax', [step], { axes: { ints: [0] }, keepdims: { i: 0 } }, `${name}_nan_seen`);
  const poisoned = g.node('Greater', [seen, g.constant('zero', [0], [])], {}, `${name}_nan_poisoned`);
  return g.node('Where', [poisoned, g.constant('nan', [Number.NaN], []), y], {}, `${name}_nan_kept`);
}

/** One recurrent layer: (batch, T, F) -> (batch, H), or (batch, T, H) when it returns sequences. */
export function emitRecurrent(g: GraphBuilder, layer: Recurrent, x: Sym): Sym {
  const name = layer.name,
    o = layer.options;
  const xt = g.node('Transpose', [x.name], { perm: { ints: [1, 0, 2] } }, `${name}_time_major`);
  const [Y, Yh] = g.nodeN(OP[layer.cell], [xt, ...weights(g, layer, x.F)], 2, attributes(layer), name);
  if (!o.returnSequences) {
    const last = g.node('Squeeze', [Yh!, g.ints('axis0', [0])], {}, `${name}_last`);
    return { name: maskNaN(g, layer, x, xt, last, false), T: null, F: layer.units };
  }
  let y = maskNaN(g, layer, x, xt, g.node('Squeeze', [Y!, g.ints('axis1', [1])], {}, `${name}_seq`), true);
  if (o.goBackwards && !layer.timeOrderOutput) {
    const [s, e, a, st] = [
      g.ints('m1', [-1]),
      g.ints('int64_min', [INT64_MIN]),
      g.ints('axis0', [0]),
      g.ints('m1', [-1]),
    ];
    y = g.node('Slice', [y, s, e, a, st], {}, `${name}_processing_order`);
  }
  const out = g.node('Transpose', [y], { perm: { ints: [1, 0, 2] } }, `${name}_batch_major`);
  return { name: out, T: x.T, F: layer.units };
}

/** Bidirectional (concat): the forward layer's output and the backward copy's, on the feature axis. */
export function emitBidirectional(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const { forwardLayer, backwardLayer } = layer as Bidirectional;
  const a = emitRecurrent(g, forwardLayer, x),
    b = emitRecurrent(g, backwardLayer, x);
  return { name: g.node('Concat', [a.name, b.name], { axis: { i: -1 } }, layer.name), T: a.T, F: a.F + b.F };
}

/** A recurrent layer given as a plain Layer (the emitter registry's signature). */
export const emitRecurrentLayer = (g: GraphBuilder, layer: Layer, x: Sym): Sym =>
  emitRecurrent(g, layer as Recurrent, x);
