// An ensemble (train/ensembles.ts Fusion, what `seqtune study ensemble` writes) as one graph: every member reads
// the same window and their outputs are combined as Fusion.predict does, per output value i of a sample:
//   mean, weighted: sum_m w_m y_m          stacked: W[i % cols][0] + sum_m W[i % cols][m + 1] y_m
import { Stack } from '../nn/index.js';
import type { Fusion } from '../train/index.js';
import { ExportError } from './errors.js';
import type { GraphBuilder } from './graph.js';
import type { Sym } from './types.js';

/** The members as layer stacks of one input and output shape (one line naming the first that differs). */
export function fusionMembers(f: Fusion): Stack[] {
  const stacks = f.members.map((m, k) => {
    if (!(m instanceof Stack)) throw new ExportError(`ensemble member ${k + 1}: expected a trained model`);
    return m;
  });
  const shape = (s: Stack) => JSON.stringify([s.inputShape, s.outputShape]);
  const k = stacks.findIndex((s) => shape(s) !== shape(stacks[0]!));
  if (k > 0)
    throw new ExportError(
      `ensemble member ${k + 1}: expected the input and output shapes of member 1 ${shape(stacks[0]!)}, ` +
        `found ${shape(stacks[k]!)}`,
    );
  return stacks;
}

/** The members' outputs combined with the fusion's weights. */
export function emitFusion(g: GraphBuilder, f: Fusion, ys: readonly Sym[]): Sym {
  const y = ys[0]!,
    P = (y.T ?? 1) * y.F,
    dims = y.T === null ? [y.F] : [y.T, y.F];
  const stacked = f.method === 'stacked';
  const W = f.weights as number[][],
    w = f.weights as number[];
  const coef = (m: number) => Array.from({ length: P }, (_, i) => (stacked ? W[i % W.length]![m + 1]! : w[m]!));
  let acc = stacked ? g.constant('fusion_intercept', coef(-1), dims) : null;
  ys.forEach((ym, m) => {
    const term = g.node('Mul', [ym.name, g.constant(`fusion_w${m + 1}`, coef(m), dims)], {}, `fusion_member${m + 1}`);
    acc = acc ? g.node('Add', [acc, term], {}, 'fusion') : term;
  });
  return { ...y, name: acc! };
}
