// The models of the memory probes (step-memory-probe.ts, inference-memory-probe.ts): one of each layer kind, on
// inputs of F features, and random samples for them.
import {
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gru,
  type Layer,
  linearSkip,
  lstm,
  maxPooling1d,
  Rng,
  repeatVector,
  selectTimestep,
  simpleRNN,
  type Tensor,
  tensor,
  timeDistributed,
} from '../../src/nn/index.js';
import { randArray } from './random.js';

export const F = 2;
export const MODELS = {
  gru: () => [gru({ units: 16 }), dense({ units: 1 })],
  // weights that outweigh its workspaces at a short lookback: what a copy of them takes shows
  wide_gru: () => [gru({ units: 128 }), dense({ units: 1 })],
  lstm: () => [lstm({ units: 16 }), dense({ units: 1 })],
  simple_rnn: () => [simpleRNN({ units: 16 }), dense({ units: 1 })],
  conv_pool: () => [
    conv1d({ filters: 16, kernelSize: 3, padding: 'causal', activation: 'relu' }),
    maxPooling1d({ poolSize: 2 }),
    gru({ units: 16 }),
    dense({ units: 1 }),
  ],
  conv_batch_norm: () => [
    conv1d({ filters: 32, kernelSize: 3, padding: 'causal' }),
    batchNormalization(),
    gru({ units: 16 }),
    dense({ units: 1 }),
  ],
  dropout_stack: () => [
    lstm({ units: 16, returnSequences: true }),
    dropout({ rate: 0.2 }),
    gru({ units: 16, dropout: 0.1, recurrentDropout: 0.1 }),
    dense({ units: 1 }),
  ],
  dense_stack: () => [
    gru({ units: 16 }),
    dense({ units: 64, activation: 'relu' }),
    dense({ units: 32, activation: 'relu' }),
    dense({ units: 1 }),
  ],
  flatten_dense: () => [flatten(), dense({ units: 64, activation: 'relu' }), dense({ units: 1 })],
  bidirectional: () => [
    bidirectional(gru({ units: 16, returnSequences: true })),
    selectTimestep(-1),
    dense({ units: 1 }),
  ],
  encoder_decoder: (h: number) => [
    gru({ units: 16 }),
    repeatVector(h),
    gru({ units: 16, returnSequences: true }),
    timeDistributed(dense({ units: 1 })),
  ],
  direct_horizon: (h: number) => [gru({ units: 16 }), dense({ units: h })],
  linear_skip: () => [linearSkip([gru({ units: 16 }), dense({ units: 1 })])],
} satisfies Record<string, (horizon: number) => Layer[]>;
export type ModelName = keyof typeof MODELS;

/** n random samples of T steps for a model of MODELS with horizon h, and their targets. */
export function probeSamples(model: ModelName, n: number, T: number, h: number, seed: number): [Tensor, Tensor] {
  const yShape = model === 'encoder_decoder' ? [n, h, 1] : [n, h];
  const rng = new Rng(seed);
  return [tensor(randArray(rng, n * T * F), [n, T, F]), tensor(randArray(rng, n * h), yShape)];
}
