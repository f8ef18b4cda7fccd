// Conv1D and the 1-D poolings as ONNX Conv, MaxPool and AveragePool, which read channels-first (batch, F, T):
// a Transpose on each side. Padding follows nn/conv.ts's windowGeometry (Keras rules): 'valid' none, 'causal'
// (span - 1) on the left, 'same' the missing steps split with the smaller half on the left. Pads are zeros for
// Conv, ignored by MaxPool, and left out of the average (count_include_pad=0) as seqtune's 'same' pooling does.
import { type Conv1D, type Layer, type MaxPooling1D, windowGeometry } from '../nn/index.js';
import { applyActivation } from './activations.js';
import type { Attr, GraphBuilder } from './graph.js';
import type { Sym } from './types.js';

type Padding = Conv1D['padding'];

/** [left, right] pads of a window op over T steps. */
function pads(T: number, k: number, stride: number, dilation: number, padding: Padding): [number, number] {
  const { out, padLeft } = windowGeometry(T, k, stride, dilation, padding);
  const span = (k - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + span - T, 0);
  return padding === 'valid' ? [0, 0] : [padLeft, Math.max(total - padLeft, 0)];
}

const channelsFirst = (g: GraphBuilder, x: string, hint: string) =>
  g.node('Transpose', [x], { perm: { ints: [0, 2, 1] } }, hint);

/** Conv1D: kernel (k, F, U) -> ONNX W (U, F, k); then the activation. */
export function emitConv(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const c = layer as Conv1D,
    k = c.kernelSize,
    F = x.F,
    U = c.filters;
  const kernel = c.getWeight('kernel'),
    w = new Float32Array(U * F * k);
  for (let j = 0; j < k; j++)
    for (let f = 0; f < F; f++) for (let u = 0; u < U; u++) w[(u * F + f) * k + j] = kernel[(j * F + f) * U + u]!;
  const inputs = [channelsFirst(g, x.name, `${c.name}_channels_first`), g.constant(`${c.name}_W`, w, [U, F, k])];
  if (c.options.useBias ?? true) inputs.push(g.constant(`${c.name}_B`, c.getWeight('bias'), [U]));
  const y = g.node(
    'Conv',
    inputs,
    {
      kernel_shape: { ints: [k] },
      strides: { ints: [c.strides] },
      dilations: { ints: [c.dilationRate] },
      pads: { ints: pads(x.T!, k, c.strides, c.dilationRate, c.padding) },
    },
    c.name,
  );
  const out = g.node('Transpose', [y], { perm: { ints: [0, 2, 1] } }, `${c.name}_time_last`);
  const T = windowGeometry(x.T!, k, c.strides, c.dilationRate, c.padding).out;
  return { name: applyActivation(g, out, c.options.activation ?? 'linear', c.name), T, F: U };
}

/** MaxPooling1D and AveragePooling1D. */
export function emitPooling(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const p = layer as MaxPooling1D;
  const attrs = {
    kernel_shape: { ints: [p.poolSize] },
    strides: { ints: [p.strides] },
    pads: { ints: pads(x.T!, p.poolSize, p.strides, 1, p.padding) },
    ...(p.kind === 'average' ? { count_include_pad: { i: 0 } } : {}),
  };
  const op = p.kind === 'max' ? 'MaxPool' : 'AveragePool';
  const xcf = channelsFirst(g, x.name, `${p.name}_channels_first`);
  let y = g.node(op, [xcf], attrs, p.name);
  if (p.kind === 'max') y = emptyMax(g, p.name, xcf, y, attrs);
  const T = windowGeometry(x.T!, p.poolSize, p.strides, 1, p.padding).out;
  const out = g.node('Transpose', [y], { perm: { ints: [0, 2, 1] } }, `${p.name}_time_last`);
  return { name: out, T, F: x.F, ...(p.kind === 'max' || x.infinite ? { infinite: true } : {}) };
}

/**
 * -Infinity where a max pool's window holds no value above -Infinity (every cell NaN or -Infinity), as seqtune's
 * max pool gives (its max starts at -Infinity and skips NaN); ONNX Runtime's MaxPool starts at -FLT_MAX and gave
 * -3.4e38 there, so a missing cell through a conv1d front and a max pool forecast numbers near 1e38 where predict's
 * forecasts are NaN or infinite:
 *   some = MaxPool(x > -Infinity);  y = some > 0 ? y : -Infinity
 */
function emptyMax(g: GraphBuilder, name: string, xcf: string, y: string, attrs: Record<string, Attr>): string {
  const above = g.node('Greater', [xcf, g.constant('minus_inf', [Number.NEGATIVE_INFINITY], [])], {}, `${name}_some`);
  const some = g.node('MaxPool', [g.node('Cast', [above], { to: { i: 1 } }, `${name}_some_f32`)], attrs, `${name}_any`);
  const kept = g.node('Greater', [some, g.constant('zero', [0], [])], {}, `${name}_nonempty`);
  return g.node('Where', [kept, y, g.constant('minus_inf', [Number.NEGATIVE_INFINITY], [])], {}, `${name}_empty`);
}
