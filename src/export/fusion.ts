// An ensemble as one graph: a Fusion (train/ensembles.ts, what `seqtune study ensemble` writes) or a SnapshotEnsemble
// (fitSnapshotEnsemble), their members nested in any way. Every member reads the same window and their outputs are
// combined as their predict does, per output value i of a sample:
//   mean, weighted, blend: sum_m w_m y_m          stacked: W[i % cols][0] + sum_m W[i % cols][m + 1] y_m
//   snapshot ensemble: the mean of its last `keep` snapshots, each its model with that snapshot's weights
import { Stack } from '../nn/index.js';
import { Fusion, type FusionMethod, type Predictor, SnapshotEnsemble } from '../train/index.js';
import { ExportError } from './errors.js';
import type { GraphBuilder } from './graph.js';
import { emitLayer } from './layers.js';
import type { Sym } from './types.js';

/** What exportOnnx writes: a trained model, or an ensemble of them. */
export type Exportable = Stack | Fusion | SnapshotEnsemble;

const kind = (p: unknown): string => (p as object | null)?.constructor?.name ?? typeof p;

/** Every model (layer stack) in a predictor, with where it is: "model", "ensemble member 2, member 1". */
function modelsOf(p: Predictor | Stack, where: string): { stack: Stack; where: string }[] {
  if (p instanceof Stack) return [{ stack: p, where }];
  // a SnapshotEnsemble is its model's layers with other weights; it was told "model: not built", as if it were a
  // model without an inputShape
  if (p instanceof SnapshotEnsemble) return [{ stack: p.model, where }];
  if (p instanceof Fusion)
    return p.members.flatMap((m, k) =>
      modelsOf(m, where === 'model' ? `ensemble member ${k + 1}` : `${where}, member ${k + 1}`),
    );
  throw new ExportError(`${where}: expected a trained model, a SnapshotEnsemble or a Fusion of them, found ${kind(p)}`);
}

/**
 * The predictor's models, each of the first one's input shape and output values (one line naming the first that
 * differs). An output (T, F) and one of T x F values are one forecast, horizon-major in both (train/ensembles.ts
 * Fusion): an encoder-decoder and the linear baseline of `study ensemble --linear`.
 */
export function modelsWithOneShape(p: Exportable): Stack[] {
  const models = modelsOf(p, 'model');
  const shape = (s: Stack) => JSON.stringify([s.inputShape, s.outputShape]);
  const same = (s: Stack, first: Stack) =>
    shape(s) === shape(first) ||
    (JSON.stringify(s.inputShape) === JSON.stringify(first.inputShape) &&
      s.outputShape !== undefined &&
      first.outputShape !== undefined &&
      sameOutputs(s.outputShape, first.outputShape));
  const k = models.findIndex((m) => !same(m.stack, models[0]!.stack));
  if (k > 0)
    throw new ExportError(
      `${models[k]!.where}: expected the input and output shapes of member 1 ${shape(models[0]!.stack)}, ` +
        `found ${shape(models[k]!.stack)}`,
    );
  return models.map((m) => m.stack);
}

/** Two output shapes that are one forecast: the same, or a sequence (T, F) and a vector of T x F values. */
function sameOutputs(a: { T: number | null; F: number }, b: { T: number | null; F: number }): boolean {
  return a.T === b.T ? a.F === b.F : (a.T ?? 1) * a.F === (b.T ?? 1) * b.F && (a.T === null || b.T === null);
}

/** A member's output in the form of member 1's `y`, as Fusion.predict gives it: (batch, T, F) <-> (batch, T x F). */
function asFirst(g: GraphBuilder, ym: Sym, y: Sym, m: number): string {
  if (ym.T === y.T) return ym.name;
  const shape = g.ints(`fusion_member${m + 1}_shape`, y.T === null ? [0, y.F] : [0, y.T, y.F]);
  return g.node('Reshape', [ym.name, shape], {}, `fusion_member${m + 1}_reshape`);
}

/** The members' outputs combined with per-member weights (mean, weighted, blend) or per-output stacker rows. */
function combine(g: GraphBuilder, method: FusionMethod, weights: number[] | number[][], ys: readonly Sym[]): Sym {
  const y = ys[0]!,
    P = (y.T ?? 1) * y.F,
    dims = y.T === null ? [y.F] : [y.T, y.F];
  const stacked = method === 'stacked';
  const W = weights as number[][],
    w = weights as number[];
  const coef = (m: number) => Array.from({ length: P }, (_, i) => (stacked ? W[i % W.length]![m + 1]! : w[m]!));
  let acc = stacked ? g.constant('fusion_intercept', coef(-1), dims) : null;
  ys.forEach((ym, m) => {
    const w = g.constant(`fusion_w${m + 1}`, coef(m), dims);
    const term = g.node('Mul', [asFirst(g, ym, y, m), w], {}, `fusion_member${m + 1}`);
    acc = acc ? g.node('Add', [acc, term], {}, 'fusion') : term;
  });
  return { ...y, name: acc! };
}

/** The predictor on the window `x`: a model's layers, or an ensemble's members combined as its predict does. */
export function emitPredictor(g: GraphBuilder, p: Exportable, x: Sym): Sym {
  if (p instanceof Stack) return p.layers.reduce((a, layer) => emitLayer(g, layer, a), x);
  if (p instanceof SnapshotEnsemble) {
    const ys = p.withSnapshots((m) => emitPredictor(g, m, x));
    return combine(
      g,
      'mean',
      ys.map(() => 1 / ys.length),
      ys,
    );
  }
  const members = p.members.map((m) => emitPredictor(g, m as Exportable, x));
  return combine(g, p.method, p.weights, members);
}
