// Every layer seqtune trains, written as ONNX operators: one emitter per saved class name (the same names the
// layer registry and model.json use). Dropout and GaussianNoise act only in training and are left out. A layer
// whose class is not listed (one registered from outside seqtune) is refused with one line.
import type {
  BatchNormalization,
  Dense,
  Layer,
  LayerNormalization,
  LinearSkip,
  RepeatVector,
  SelectTimestep,
  TimeDistributed,
} from '../nn/index.js';
import { applyActivation } from './activations.js';
import { emitConv, emitPooling } from './conv.js';
import { ExportError } from './errors.js';
import type { GraphBuilder } from './graph.js';
import { emitBidirectional, emitRecurrentLayer } from './recurrent.js';
import type { Emit, Sym } from './types.js';

/** Dense on a vector or on every timestep: MatMul broadcasts over (batch, T). */
function emitDense(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const d = layer as Dense,
    U = d.units;
  let y = g.node('MatMul', [x.name, g.constant(`${d.name}_kernel`, d.getWeight('kernel'), [x.F, U])], {}, d.name);
  if (d.options.useBias ?? true) y = g.node('Add', [y, g.constant(`${d.name}_bias`, d.getWeight('bias'), [U])]);
  return { name: applyActivation(g, y, d.options.activation ?? 'linear', d.name), T: x.T, F: U };
}

/** Batch norm with its moving statistics: (x - mean) * (gamma / sqrt(var + eps)) + beta, per feature. */
function emitBatchNorm(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const b = layer as BatchNormalization,
    F = x.F;
  const mean = b.getWeight('movingMean'),
    variance = b.getWeight('movingVariance');
  const gamma = b.scale ? b.getWeight('gamma') : new Float32Array(F).fill(1);
  const mul = Float32Array.from(gamma, (gj, j) => gj / Math.sqrt(variance[j]! + b.epsilon));
  let y = g.node('Sub', [x.name, g.constant(`${b.name}_mean`, mean, [F])], {}, `${b.name}_centered`);
  y = g.node('Mul', [y, g.constant(`${b.name}_scale`, mul, [F])], {}, `${b.name}_scaled`);
  if (b.center) y = g.node('Add', [y, g.constant(`${b.name}_beta`, b.getWeight('beta'), [F])], {}, b.name);
  return { ...x, name: y };
}

/** Layer norm over the features: ONNX LayerNormalization (opset 17), axis -1. */
function emitLayerNorm(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const l = layer as LayerNormalization,
    F = x.F;
  const scale = g.constant(`${l.name}_gamma`, l.scale ? l.getWeight('gamma') : new Float32Array(F).fill(1), [F]);
  const inputs = [x.name, scale, ...(l.center ? [g.constant(`${l.name}_beta`, l.getWeight('beta'), [F])] : [])];
  return { ...x, name: g.node('LayerNormalization', inputs, { axis: { i: -1 }, epsilon: { f: l.epsilon } }, l.name) };
}

/** (batch, T, F) -> (batch, T*F), index t*F + f as seqtune's Flatten. */
function flatten(g: GraphBuilder, x: Sym, hint: string): Sym {
  if (x.T === null) return x;
  const shape = g.ints(`${hint}_shape`, [0, x.T * x.F]);
  return { name: g.node('Reshape', [x.name, shape], {}, hint), T: null, F: x.T * x.F };
}

/** (batch, F) -> (batch, n, F). */
function emitRepeat(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const r = layer as RepeatVector;
  const y = g.node('Unsqueeze', [x.name, g.ints('axis1', [1])], {}, `${r.name}_step`);
  return { name: g.node('Tile', [y, g.ints(`${r.name}_repeats`, [1, r.n, 1])], {}, r.name), T: r.n, F: x.F };
}

/** One timestep of a sequence (index from the end when negative). */
function emitSelect(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const s = layer as SelectTimestep,
    t = s.index < 0 ? x.T! + s.index : s.index;
  const idx = g.constant(`${s.name}_index`, [t], [], 'int64');
  return { name: g.node('Gather', [x.name, idx], { axis: { i: 1 } }, s.name), T: null, F: x.F };
}

/** The wrapped layers plus Dense(Flatten(window)); the linear path's weights are saved as linear/kernel and /bias. */
function emitSkip(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const s = layer as LinearSkip;
  let a = x;
  for (const l of s.layers) a = emitLayer(g, l, a);
  const flat = flatten(g, x, `${s.name}_flatten`);
  const kernel = g.constant(`${s.name}_linear_kernel`, s.getWeight('linear/kernel'), [flat.F, a.F]);
  let lin = g.node('MatMul', [flat.name, kernel], {}, `${s.name}_linear`);
  lin = g.node('Add', [lin, g.constant(`${s.name}_linear_bias`, s.getWeight('linear/bias'), [a.F])]);
  return { name: g.node('Add', [a.name, lin], {}, s.name), T: null, F: a.F };
}

const identity: Emit = (_g, _layer, x) => x;

const EMITTERS: Record<string, Emit> = {
  GRU: emitRecurrentLayer,
  LSTM: emitRecurrentLayer,
  SimpleRNN: emitRecurrentLayer,
  Bidirectional: emitBidirectional,
  Dense: emitDense,
  TimeDistributed: (g, l, x) => emitDense(g, (l as TimeDistributed).layer, x),
  Conv1D: emitConv,
  MaxPooling1D: emitPooling,
  AveragePooling1D: emitPooling,
  BatchNormalization: emitBatchNorm,
  LayerNormalization: emitLayerNorm,
  Flatten: (g, l, x) => flatten(g, x, l.name),
  RepeatVector: emitRepeat,
  SelectTimestep: emitSelect,
  LinearSkip: emitSkip,
  Dropout: identity,
  GaussianNoise: identity,
};

/** The class names an export accepts. */
export const EXPORTABLE_LAYERS: readonly string[] = Object.keys(EMITTERS);

/** Writes one layer; a layer of a class with no ONNX form is refused with one line naming it. */
export function emitLayer(g: GraphBuilder, layer: Layer, x: Sym): Sym {
  const emit = Object.hasOwn(EMITTERS, layer.className) ? EMITTERS[layer.className] : undefined;
  if (!emit)
    throw new ExportError(
      `layer ${layer.name}: ${layer.className} has no ONNX form; exportable: ${EXPORTABLE_LAYERS.join(', ')}`,
    );
  const y = emit(g, layer, x);
  // -Infinity from a max pool passes through every layer but a recurrent one, which turns it into NaN or a number
  return x.infinite && !y.infinite && !RECURRENT.has(layer.className) ? { ...y, infinite: true } : y;
}

const RECURRENT = new Set(['GRU', 'LSTM', 'SimpleRNN', 'Bidirectional']);
