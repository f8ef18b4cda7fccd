// The objectives of npm run bench:search (scripts/bench-search.ts): two classic test functions and two surrogates
// of tuning a recurrent model, with log-scaled, integer, categorical and conditional parameters. Each gives the
// noise-free value; the surrogates are observed with Gaussian noise (sd NOISE) and scored by the noise-free value
// of the trial the sampler saw as best, as a real study is.
import type { Params } from '../src/index.js';

export interface Problem {
  name: string;
  /** Known minimum of the noise-free value (for the report). */
  min: number;
  space: Record<string, unknown>;
  f(p: Params): number;
  noisy: boolean;
}

const n = (p: Params, k: string) => p[k] as number;
const sq = (x: number) => x * x;

const branin: Problem = {
  name: 'Branin',
  min: 0.397887,
  noisy: false,
  space: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } },
  f: (p) => {
    const x1 = n(p, 'x1'),
      x2 = n(p, 'x2');
    const b = 5.1 / (4 * Math.PI * Math.PI),
      c = 5 / Math.PI;
    return sq(x2 - b * x1 * x1 + c * x1 - 6) + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
};

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const H6_ALPHA = [1, 1.2, 3, 3.2];

const hartmann6: Problem = {
  name: 'Hartmann6',
  min: -3.32237,
  noisy: false,
  space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i + 1}`, { uniform: [0, 1] }])),
  f: (p) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let e = 0;
      for (let j = 0; j < 6; j++) e += H6_A[i]![j]! * sq(n(p, `x${j + 1}`) - H6_P[i]![j]! * 1e-4);
      s += H6_ALPHA[i]! * Math.exp(-e);
    }
    return -s;
  },
};

/** Learning rate, units, optimizer and dropout: each optimizer has its own best rate; wider layers want more
 * dropout. */
const lrUnits: Problem = {
  name: 'mixed: lr / units / optimizer / dropout',
  min: 0,
  noisy: true,
  space: {
    lr: { loguniform: [1e-5, 1] },
    units: { int: [8, 512], log: true },
    optimizer: ['adam', 'sgd', 'rmsprop', 'adagrad'],
    dropout: { uniform: [0, 0.6] },
  },
  f: (p) => {
    const best = { adam: 3e-3, sgd: 5e-2, rmsprop: 1e-3, adagrad: 2e-2 }[p.optimizer as 'adam'];
    const offset = { adam: 0, sgd: 0.03, rmsprop: 0.015, adagrad: 0.06 }[p.optimizer as 'adam'];
    const u = Math.log2(n(p, 'units'));
    const bestDropout = 0.05 + 0.06 * (u - 4);
    return (
      offset + 0.06 * sq(Math.log10(n(p, 'lr') / best)) + 0.015 * sq(u - 7) + 0.8 * sq(n(p, 'dropout') - bestDropout)
    );
  },
};

/** A conditional space: momentum only for sgd, weight decay only for adamw; layers and units interact. */
const branches: Problem = {
  name: 'mixed: cell / layers / units / optimizer branches',
  min: 0,
  noisy: true,
  space: {
    cell: ['gru', 'lstm', 'simple_rnn'],
    layers: { int: [1, 4] },
    units: { int: [16, 256], log: true },
    optimizer: ['adamw', 'sgd'],
    lr: { loguniform: [1e-5, 1e-1] },
    momentum: { uniform: [0, 0.99], when: { optimizer: 'sgd' } },
    weight_decay: { loguniform: [1e-6, 1e-1], when: { optimizer: 'adamw' } },
  },
  f: (p) => {
    const cell = { gru: 0, lstm: 0.01, simple_rnn: 0.08 }[p.cell as 'gru'];
    const L = n(p, 'layers'),
      u = Math.log2(n(p, 'units'));
    const size = 0.02 * sq(L - 2) + 0.02 * sq(u - (7.5 - 0.5 * L)); // deeper stacks want narrower layers
    if (p.optimizer === 'sgd') {
      const eff = n(p, 'lr') / (1 - n(p, 'momentum'));
      return cell + size + 0.02 + 0.05 * sq(Math.log10(eff / 0.3));
    }
    return cell + size + 0.05 * sq(Math.log10(n(p, 'lr') / 2e-3)) + 0.01 * sq(Math.log10(n(p, 'weight_decay')) + 4);
  },
};

export const PROBLEMS: Problem[] = [branin, hartmann6, lrUnits, branches];
export const NOISE = 0.005;
